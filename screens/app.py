"""The wizard application: one screen per step, built by one factory."""

from __future__ import annotations

import logging
from typing import Any, ClassVar

from textual.app import App
from textual.binding import Binding

from screens.base import StepScreen
from wizard.checks import Check, CheckResult, Timeouts
from wizard.model import STEPS, Answers
from wizard.problems import Problem

log = logging.getLogger(__name__)

# Facts a check found, and the answer each one fills when it is still empty.
FACT_PATHS: dict[str, tuple[str, ...]] = {
    "kind": ("cluster.kind",),
    "cluster.kind": ("cluster.kind",),
    "region": ("cluster.region", "cache.region"),
    "cluster.region": ("cluster.region", "cache.region"),
    "vpc_id": ("cluster.vpc_id",),
    "cluster.vpc_id": ("cluster.vpc_id",),
    "vswitch_ids": ("cluster.vswitch_ids",),
    "cluster.vswitch_ids": ("cluster.vswitch_ids",),
    "runner_version": ("images.runner_version",),
    "images.runner_version": ("images.runner_version",),
}

# A kind has a default ("ask"), so "empty" cannot tell whether the operator
# chose it: a detected kind replaces it unless the operator touched the field.
_FILL_UNLESS_TOUCHED = {"cluster.kind"}


def screen_classes() -> dict[str, type[StepScreen]]:
    """Each step's screen class, by step name."""
    from screens.cache import CacheScreen
    from screens.cluster import ClusterScreen
    from screens.images import ImagesScreen
    from screens.networking import NetworkingScreen
    from screens.registration import RegistrationScreen
    from screens.resources import ResourcesScreen
    from screens.review import ReviewScreen
    from screens.spot import SpotScreen
    from screens.target import TargetScreen

    classes = (
        TargetScreen,
        RegistrationScreen,
        ClusterScreen,
        CacheScreen,
        ImagesScreen,
        SpotScreen,
        ResourcesScreen,
        NetworkingScreen,
        ReviewScreen,
    )
    return {cls.STEP: cls for cls in classes}


class WizardApp(App[int]):
    """Walks the operator through every step and writes the artifacts at the end."""

    TITLE = "ask-runner-wizard"
    # The palette is not needed, and ctrl+p then stays free for the fields.
    ENABLE_COMMAND_PALETTE = False
    # Textual's own ctrl+q, shown in the footer so every screen says how to leave.
    BINDINGS: ClassVar = [Binding("ctrl+q", "quit", "Quit", priority=True)]

    def __init__(self, answers: Answers, options: Any) -> None:
        super().__init__()
        self.answers = answers
        self.options = options
        self.offline = bool(getattr(options, "offline", False))
        self.timeouts: Timeouts = getattr(options, "timeouts", None) or Timeouts()
        self.start_screen = (
            getattr(options, "start_screen", None)
            or getattr(options, "screen", None)
            or STEPS[0]
        )
        self.visited: set[str] = set()
        self.touched: set[str] = set()
        self.states: dict[str, str] = {}
        self.facts: dict[str, object] = {}
        # The latest result of each live check, by check name, for the write.
        self.results: dict[str, tuple[Check, CheckResult]] = {}
        self.written: list[str] = []  # paths written by the review step
        self.screens_by_step = screen_classes()

    def on_mount(self) -> None:
        if self.start_screen not in self.screens_by_step:
            log.warning(
                "unknown screen %r; starting at the first step", self.start_screen
            )
            self.start_screen = STEPS[0]
        self.push_screen(self.screens_by_step[self.start_screen]())

    def goto(self, step: str) -> None:
        """Show a step's screen; its answers live in the model, so nothing is lost."""
        self.switch_screen(self.screens_by_step[step]())

    # Validation and step states -------------------------------------------

    def problems_of(self, step: str) -> list[Problem]:
        """Every error and warning of one step, from the domain's validation."""
        from wizard.validate import validate_step

        return list(validate_step(self.answers, step))

    def refresh_states(self) -> None:
        """Recompute each visited step's state: valid, warning or error."""
        from screens.marks import ERROR, VALID, WARNING

        for step in self.visited:
            problems = self.problems_of(step)
            if any(p.level == ERROR for p in problems):
                self.states[step] = ERROR
            elif problems:
                self.states[step] = WARNING
            else:
                self.states[step] = VALID

    # Live checks ----------------------------------------------------------

    def checks_of(self, step: str) -> list[Check]:
        """The step's live checks; none when the checks layer is not installed."""
        try:
            from wizard.checks import checks_for

            return list(checks_for(step, self.answers))
        except ModuleNotFoundError as exc:
            log.info("no live checks for %s: %s", step, exc.name)
            return []

    def absorb_facts(self, facts: dict[str, object]) -> None:
        """Prefill still-empty answers with what a check found."""
        from screens.fields import get_value, set_value

        self.facts.update(facts)
        for key, value in facts.items():
            for path in FACT_PATHS.get(key, ()):
                current = get_value(self.answers, path)
                if path in self.touched:
                    continue
                if current and path not in _FILL_UNLESS_TOUCHED:
                    continue
                if current == value or value in (None, "", []):
                    continue
                set_value(self.answers, path, value)
                log.info("prefilled %s from a check", path)
                if isinstance(self.screen, StepScreen):
                    self.screen.show_value(path)


def create_app(answers: Answers, options: Any) -> WizardApp:
    """The one way the CLI and the tests build the app."""
    return WizardApp(answers, options)


def run_wizard(answers: Answers, options: Any) -> int:
    """Run the wizard in this terminal; the exit status for the CLI."""
    from screens.terminal import exit_without_waiting, run_guarded

    app = create_app(answers, options)
    run_guarded(app)
    code = app.return_code or 0
    exit_without_waiting(code)
    return code
