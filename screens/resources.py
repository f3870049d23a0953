"""Step 7: requests and limits of the job pod, and the size it is billed for."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widget import Widget
from textual.widgets import Static

from screens import fields as F
from screens.base import StepScreen
from screens.preview import pod_settings_text
from screens.widgets import set_text

HELP = (
    "ECI and ACS bill a pod by its size: the sum of its containers' limits (or "
    "requests when no limit is set), rounded up to a size they offer. Values are "
    "Kubernetes quantities: cpu like 2 or 250m, memory like 6Gi or 512Mi (not "
    "6GB). Or fix the size with an explicit spec. The write-up's requests give "
    "4 vCPU / 8 GiB on ECI and 3.5 vCPU / 8 GiB on ACS."
)


def _acs(answers) -> bool:
    return answers.cluster.kind in ("acs", "ack-acs")


def _quantity(path: str, label: str, example: str) -> F.FieldSpec:
    return F.FieldSpec(path, label, f"A Kubernetes quantity such as {example}.")


FIELDS = (
    _quantity("resources.cpu_request", "Build container: cpu request", "2"),
    _quantity("resources.memory_request", "Build container: memory request", "6Gi"),
    _quantity("resources.cpu_limit", "Build container: cpu limit (optional)", "4"),
    _quantity(
        "resources.memory_limit", "Build container: memory limit (optional)", "8Gi"
    ),
    _quantity("resources.service_cpu_request", "Services: cpu request", "1"),
    _quantity("resources.service_memory_request", "Services: memory request", "1Gi"),
    _quantity("resources.service_cpu_limit", "Services: cpu limit (optional)", "1"),
    _quantity(
        "resources.service_memory_limit", "Services: memory limit (optional)", "1Gi"
    ),
    _quantity("resources.helper_cpu_request", "Helper: cpu request", "250m"),
    _quantity("resources.helper_memory_request", "Helper: memory request", "512Mi"),
    _quantity("resources.helper_cpu_limit", "Helper: cpu limit (optional)", "500m"),
    _quantity(
        "resources.helper_memory_limit", "Helper: memory limit (optional)", "512Mi"
    ),
    F.FieldSpec(
        "resources.specs",
        "Explicit size (optional)",
        "ECI: up to 5 of 2-4Gi or ecs.c6.xlarge, comma-separated; ACS: 2-4Gi. "
        "Overrides the sum.",
        show_if=lambda a: a.cluster.kind != "other",
    ),
    F.FieldSpec(
        "resources.compute_class",
        "ACS compute class",
        "general-purpose, or performance for steady CPU.",
        kind=F.CHOICE,
        choices=(
            ("general-purpose", "general-purpose"),
            ("performance", "performance"),
        ),
        show_if=_acs,
    ),
)


class ResourcesScreen(StepScreen):
    """Requests, limits or an explicit size, and the billed size they give."""

    STEP = "resources"
    HELP = HELP
    FIELDS = FIELDS

    def extra(self) -> Iterable[Widget]:
        yield Static("", id="billed-size", classes="preview", markup=False)
        yield Static("", id="size-preview", classes="preview", markup=False)

    def refresh_extra(self) -> None:
        set_text(
            self.query_one("#billed-size", Static), billed_text(self.wizard.answers)
        )
        set_text(
            self.query_one("#size-preview", Static),
            pod_settings_text(self.wizard.answers, "resources"),
        )


def billed_text(answers) -> str:
    """One line: the size the pod is billed for, and how it was found."""
    from wizard.sizing import billed_size

    size = billed_size(answers)
    basis = {
        "specs": "from the explicit size",
        "limits": "the sum of the limits, rounded up",
        "requests": "the sum of the requests, rounded up",
        "default": "nothing set: the platform's default size",
    }.get(size.basis, size.basis)
    where = {"eci": "on ECI", "acs": "on ACS"}.get(
        size.platform, "(no Alibaba rounding)"
    )
    summed = ""
    if size.summed_cpu is not None and size.summed_memory is not None:
        summed = f" (asked: {size.summed_cpu.normalize():f} vCPU / "
        summed += f"{size.summed_memory.normalize():f} GiB)"
    return f"Billed size {where}: {size}, {basis}{summed}."
