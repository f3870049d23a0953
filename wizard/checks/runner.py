"""Run every step's checks without the UI, for the answers-file mode."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.checks import ERROR, NOT_CHECKED, Check, CheckResult, Timeouts, checks_for
from wizard.model import STEPS

if TYPE_CHECKING:
    from wizard.model import Answers

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    check: Check
    result: CheckResult

    def __str__(self) -> str:
        return f"{self.check.step}: {self.check.label}: {self.result.status}: {self.result.message}"


def run_checks(
    answers: Answers, timeouts: Timeouts | None = None, *, confirmed: bool = True
) -> list[Outcome]:
    """Every applicable check of every step, concurrently, in step order.

    `confirmed` includes the checks with side effects (verifying a glrt- token):
    in the answers-file mode `--yes` is the operator's confirmation.
    """
    timeouts = timeouts or Timeouts()
    checks: list[Check] = []
    seen: set[str] = set()
    for step in STEPS:
        for check in checks_for(step, answers):
            # A check shown on two screens (the price) runs once.
            if check.name in seen or (check.on_confirm_only and not confirmed):
                continue
            seen.add(check.name)
            checks.append(check)

    plain = [c for c in checks if not c.on_confirm_only]
    outcomes = _run_all(plain, answers, timeouts)
    # Checks with a side effect (GitLab records a runner manager, the system id
    # file is created) run only once everything else passed.
    effects = [c for c in checks if c.on_confirm_only]
    if failed(outcomes):
        outcomes += [
            Outcome(
                c,
                CheckResult(
                    NOT_CHECKED,
                    "skipped: it has a side effect and another check failed",
                ),
            )
            for c in effects
        ]
    else:
        outcomes += _run_all(effects, answers, timeouts)
    order = {c.name: i for i, c in enumerate(checks)}
    outcomes.sort(key=lambda o: order[o.check.name])
    for o in outcomes:
        logger.info("check %s: %s", o.check.name, o.result.status)
    return outcomes


def _run_all(
    checks: list[Check], answers: Answers, timeouts: Timeouts
) -> list[Outcome]:
    if not checks:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(checks))) as pool:
        results = list(pool.map(lambda c: c.run(answers, timeouts), checks))
    return [Outcome(c, r) for c, r in zip(checks, results, strict=True)]


def failed(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.result.status == ERROR]


def prepare_for_write(
    answers: Answers, outcomes: list[Outcome], timeouts: Timeouts
) -> str:
    """Before planning the files: obtain the runner token config.toml needs.

    A legacy registration token is exchanged (or a runner created with the
    personal access token); a verified glrt- token keeps the expiry GitLab
    reported. Returns a line for the report; raises CheckFailed with the fix.
    """
    import datetime as dt

    from wizard.checks.gitlab import apply_token, obtain_runner_token

    found = obtain_runner_token(answers, timeouts)
    if found is not None:
        apply_token(answers, found)
        return f"runner {found.id} registered in GitLab; its token goes to config.toml"
    for o in outcomes:
        if o.check.name == "gitlab.verify" and o.result.status != ERROR:
            reg = answers.registration
            reg.runner_id = o.result.facts.get("runner_id")  # type: ignore[assignment]
            expires = o.result.facts.get("token_expires_at")
            if expires is not None and not reg.token_expires_at:
                reg.token_expires_at = expires  # type: ignore[assignment]
                reg.token_obtained_at = dt.datetime.now(dt.UTC).replace(microsecond=0)
            return f"runner token verified (runner {reg.runner_id})"
    return ""


def apply_after_write(answers: Answers, timeouts: Timeouts) -> list[str]:
    """When the review asked for it: dry run, then server-side apply of the manifests."""
    from wizard.checks.apply import apply, review_manifests

    if not answers.review.apply:
        return []
    docs = review_manifests(answers)
    return apply(answers, timeouts, docs) if docs else []


def with_pending_token(answers: Answers) -> Answers:
    """A copy holding a stand-in runner token, when one is still to be obtained.

    The plan is validated before anything is registered in GitLab, so a broken
    config.toml never leaves an orphaned runner behind. The stand-in never
    leaves memory: the real plan is built again once the token is known.
    """
    import copy

    from wizard.secret import Secret

    reg = answers.registration
    token = reg.token.reveal() if reg.token else ""
    exchanging = not reg.runner_token and (
        (token and not token.startswith("glrt-"))
        or (not token and reg.personal_access_token)
    )
    if not exchanging:
        return answers
    stand_in = copy.deepcopy(answers)
    stand_in.registration.runner_token = Secret("glrt-" + "0" * 20)
    return stand_in
