"""Step 6: how the job pods are billed."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widget import Widget
from textual.widgets import Static

from screens import fields as F
from screens.base import StepScreen
from screens.preview import pod_settings_text
from screens.widgets import set_text

HELP = (
    "CI jobs are short and can be retried, so spot (preemptible) capacity saves "
    "money. On ECI (ACK Serverless, or ACK with virtual nodes to ECI) spot is set "
    "by pod annotations; on ACS its counterpart is the best-effort QoS, a pod "
    "label with a fixed lower price, no bidding and no protection hour. The exact "
    "text written to config.toml is shown below."
)

STRATEGIES = (
    ("on-demand", "Pay on demand: fixed price, never reclaimed"),
    ("market", "Follow the market price (ACS: best-effort)"),
    ("cap", "Spot with a cap on the hourly price (ECI)"),
)


def _spot(answers) -> bool:
    return answers.spot.strategy in ("market", "cap")


FIELDS = (
    F.FieldSpec(
        "spot.strategy",
        "How should job pods be billed?",
        "Spot pods can be reclaimed; a reclaimed ECI pod fails with BidFailed.",
        kind=F.RADIO,
        choices=STRATEGIES,
    ),
    F.FieldSpec(
        "spot.price_limit",
        "Highest hourly price",
        "A number with at most 3 decimals, e.g. 0.5 (in your account's currency).",
        show_if=lambda a: a.spot.strategy == "cap",
    ),
    F.FieldSpec(
        "spot.protection_hours",
        "Protection period (hours)",
        "1 keeps a spot pod for its first hour whatever the market does; 0 for none.",
        kind=F.INT,
        show_if=_spot,
    ),
    F.FieldSpec(
        "spot.fallback",
        "Fall back to on-demand when spot runs out",
        "Without it, a job waits or fails when no spot stock is left.",
        kind=F.BOOL,
        show_if=_spot,
    ),
    F.FieldSpec(
        "endpoints.eci",
        "Advanced: ECI API endpoint for the price check",
        "Empty uses eci.<region>.aliyuncs.com.",
        show_if=_spot,
    ),
)


class SpotScreen(StepScreen):
    """Spot strategy in words, with the annotation or label text it writes."""

    STEP = "spot"
    HELP = HELP
    FIELDS = FIELDS

    def answer_changed(self, path: str) -> None:
        answers = self.wizard.answers
        # The price field hides without "cap": a stale price would warn unfixably.
        spot = answers.spot
        if path == "spot.strategy" and spot.strategy != "cap" and spot.price_limit:
            spot.price_limit = ""
            self.show_value("spot.price_limit")

    def extra(self) -> Iterable[Widget]:
        yield Static("", id="spot-preview", classes="preview", markup=False)

    def refresh_extra(self) -> None:
        set_text(
            self.query_one("#spot-preview", Static),
            pod_settings_text(self.wizard.answers, "spot"),
        )
