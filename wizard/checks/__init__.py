"""Live checks: each step's answers tested against the real service.

The contract the screens and the CLI rely on:

- `checks_for(step, answers)` returns the `Check`s of one step, cheap to call
  (no network, no heavy imports).
- `Check.run(answers, timeouts)` is blocking and runs in a worker thread; it
  returns a `CheckResult` and never raises for a network or service error.
- `CheckResult.facts` carries values found by a check (the detected cluster
  kind, region, VPC…) that later screens may use to prefill their fields.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.model import Answers

# Status values, in the order the UI ranks them.
NOT_CHECKED = "not checked"
RUNNING = "running"
OK = "ok"
WARNING = "warning"
ERROR = "error"


@dataclass(frozen=True)
class Timeouts:
    """Seconds: to open a connection, and for the whole check."""

    connect: float = 5.0
    total: float = 20.0


@dataclass(frozen=True)
class CheckResult:
    status: str
    message: str  # one line: why, and the fix when it failed
    facts: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Check:
    name: str  # stable id, e.g. "gitlab.version"
    step: str  # one of wizard.model.STEPS
    label: str  # what it checks, for the screen
    fields: tuple[str, ...]  # answer paths whose change re-runs it
    run: Callable[[Answers, Timeouts], CheckResult]
    # Checks with side effects (verifying a glrt- token) run only when the
    # operator confirms, never on a keystroke.
    on_confirm_only: bool = False


def checks_for(step: str, answers: Answers) -> list[Check]:
    """The checks of one step that apply to these answers."""
    from wizard.checks.registry import checks_for as _checks_for

    return _checks_for(step, answers)
