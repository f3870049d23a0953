"""Run every step's checks without the UI, for the answers-file mode."""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import TYPE_CHECKING

from wizard.checks import ERROR, Check, CheckResult, Timeouts, checks_for
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
    if not checks:
        return []
    with ThreadPoolExecutor(max_workers=min(8, len(checks))) as pool:
        results = list(pool.map(lambda c: c.run(answers, timeouts), checks))
    outcomes = [Outcome(c, r) for c, r in zip(checks, results, strict=True)]
    for o in outcomes:
        logger.info("check %s: %s", o.check.name, o.result.status)
    return outcomes


def failed(outcomes: list[Outcome]) -> list[Outcome]:
    return [o for o in outcomes if o.result.status == ERROR]
