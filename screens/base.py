"""The layout and behaviour every step screen shares."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.timer import Timer
from textual.widget import Widget
from textual.widgets import Static
from textual.worker import Worker, WorkerState

from screens import fields as F
from screens.marks import ERROR, VALID, WARNING, mark
from screens.terminal import startup_over
from screens.widgets import CheckPanel, Field, KeyBar, StepList
from wizard.checks import NOT_CHECKED, RUNNING, Check, CheckResult
from wizard.model import STEPS
from wizard.problems import Problem

if TYPE_CHECKING:
    from screens.app import WizardApp

log = logging.getLogger(__name__)

# Seconds of quiet typing before the live checks of a step run again.
DEBOUNCE = 0.6
# Attempts of one check that may hold a connection at once: a thread stuck on
# a silent server cannot be stopped, so a newer attempt waits for a slot.
MAX_ATTEMPTS = 2

# Answers asked on two steps: typing one fills the other while it is empty.
CARRIED = {"cluster.region": "cache.region", "cache.region": "cluster.region"}

STEP_TITLES = {
    "target": "Target",
    "registration": "Registration",
    "cluster": "Cluster",
    "cache": "OSS cache",
    "images": "Image pulls",
    "spot": "Spot",
    "resources": "Resources",
    "networking": "Networking",
    "review": "Review",
}

KEYS_HELP = (
    "Keys: Tab / Shift+Tab move between fields; Ctrl+N next step; Ctrl+B back; "
    "Ctrl+G focuses the step list (Up/Down, Enter jumps); Ctrl+R runs the checks "
    "that need your go-ahead; F1 shows or hides this help; Ctrl+Q quits. "
    "Escape never discards anything."
)


class StepScreen(Screen):
    """One wizard step: its fields, its problems, its live checks."""

    # Focus goes to the first visible field (focus_first_field), not to the
    # step list that comes first in the layout.
    AUTO_FOCUS = ""

    STEP: ClassVar[str] = ""
    HELP: ClassVar[str] = ""
    FIELDS: ClassVar[tuple[F.FieldSpec, ...]] = ()

    BINDINGS: ClassVar = [
        Binding("ctrl+n", "next", "Next"),
        Binding("ctrl+b", "back", "Back"),
        Binding("ctrl+g", "steps", "Steps"),
        Binding("ctrl+r", "confirm_checks", "Verify"),
        Binding("f1", "help", "Help"),
    ]

    DEFAULT_CSS = """
    StepScreen {
        layout: grid;
        grid-size: 2 3;
        grid-columns: 18 1fr;
        grid-rows: 1 1fr auto;
    }
    StepScreen #title {
        column-span: 2; background: $primary; color: $text; padding: 0 1;
    }
    StepScreen #steps { row-span: 2; }
    StepScreen #content { padding: 0 1; }
    StepScreen #summary { margin-bottom: 1; }
    StepScreen #summary.-error { color: $text-error; }
    StepScreen #summary.-warning { color: $text-warning; }
    StepScreen #help { display: none; border: round $primary; padding: 0 1; }
    StepScreen #help.-shown { display: block; }
    StepScreen .preview { margin-bottom: 1; }
    """

    def __init__(self) -> None:
        super().__init__(name=self.STEP)
        self.problems: list[Problem] = []
        self.check_timer: Timer | None = None
        self.checks: list[Check] = []
        self.check_workers: dict[str, Worker] = {}
        self.summary_shown: tuple[str, str] = ("", "")
        self.blocked: bool | None = None  # Next was off at the last key bar refresh
        # Checks whose answers changed since they last ran.
        self.stale_checks: set[str] = set()
        self._fields: list[Field] | None = None
        # Checks waiting for an earlier attempt to end, and whether confirmed.
        self.queued_checks: dict[str, bool] = {}
        # Fields showing text that is not a number, with the problem they show.
        self.unparsed: dict[str, Problem] = {}
        # Set once the first field has focus: the app holds keys until then.
        self.ready = False

    @property
    def wizard(self) -> WizardApp:
        return self.app  # type: ignore[return-value]

    # Layout ---------------------------------------------------------------

    def compose(self) -> ComposeResult:
        index = STEPS.index(self.STEP) + 1
        yield Static(
            f"ask-runner-wizard {mark('sep')} step {index} of {len(STEPS)}: "
            f"{STEP_TITLES[self.STEP]}",
            id="title",
            markup=False,
        )
        # One grid, not nested boxes: Textual styles, lays out and draws every
        # container on its own, so fewer of them open each step sooner.
        yield StepList(STEPS, STEP_TITLES, on_jump=self.jump)
        # Not a focus stop of its own: Tab goes from field to field, and the
        # focused field scrolls itself into view.
        with VerticalScroll(id="content", can_focus=False):
            # The help text is mounted on the first F1 (action_help).
            yield Static("", id="summary", markup=False)
            for spec in self.FIELDS:
                yield Field(
                    spec,
                    F.get_value(self.wizard.answers, spec.path),
                    shown=self.field_shown(spec),
                )
            yield from self.extra()
        yield CheckPanel(id="checks")
        yield KeyBar()

    def extra(self) -> Iterable[Widget]:
        """Widgets a step shows after its fields (previews, computed sizes)."""
        return ()

    def refresh_extra(self) -> None:
        """Bring the step's own widgets up to date after any answer changed."""

    def on_mount(self) -> None:
        self.wizard.visited.add(self.STEP)
        self.revalidate()
        # Focus at once (set_focus, not the deferred focus()): keys typed while
        # the step was built are handed out now, and must find their field.
        self.focus_first_field()
        self.ready = True
        self.wizard.next_key()
        self.start_checks()
        self.call_after_refresh(startup_over)

    @property
    def fields(self) -> list[Field]:
        """The step's fields, in order; looked up once, as they are never remounted."""
        if self._fields is None:
            self._fields = list(self.query(Field))
        return self._fields

    def focus_first_field(self) -> None:
        for field in self.fields:
            if field.display:
                self.set_focus(field.focus_target)
                return

    def on_resize(self, event: events.Resize) -> None:
        # After the terminal shrinks, the field being typed in stays in view.
        if self.focused is not None:
            self.call_after_refresh(self.focused.scroll_visible, animate=False)

    def on_screen_suspend(self) -> None:
        self.stop_checks()

    def on_unmount(self) -> None:
        self.stop_checks()
        self.queued_checks.clear()

    # Answers --------------------------------------------------------------

    def on_field_edited(self, event: Field.Edited) -> None:
        event.stop()
        spec = event.field.spec
        current = F.get_value(self.wizard.answers, spec.path)
        try:
            value = F.to_model(spec, event.raw, current)
        except F.NotANumber as exc:
            # The model keeps its last number, but the step is not valid while
            # the field shows text that is not one: Next stays off.
            self.unparsed[spec.path] = Problem(spec.path, str(exc))
            self.revalidate()
            return
        if self.unparsed.pop(spec.path, None) is not None:
            self.revalidate()
        if value == current:
            return
        F.set_value(self.wizard.answers, spec.path, value)
        self.wizard.touched.add(spec.path)
        self.carry_over(spec.path, current, value)
        self.answer_changed(spec.path)
        self.revalidate()
        self.checks_changed(spec.path)

    def carry_over(self, path: str, old: object, value: object) -> None:
        """Copy an answer asked on two steps (the region) to the other, if not set apart."""
        other = CARRIED.get(path)
        if other is None or other in self.wizard.touched:
            return
        # Still empty, or still following this one as it is typed key by key.
        if F.get_value(self.wizard.answers, other) in ("", old):
            F.set_value(self.wizard.answers, other, value)

    def field_shown(self, spec: F.FieldSpec) -> bool:
        """Whether a field applies now; a step may also ask the app (offline…)."""
        return spec.show_if(self.wizard.answers) if spec.show_if else True

    def answer_changed(self, path: str) -> None:
        """Hook: a step reacts to one of its answers changing (e.g. new choices)."""

    def show_value(self, path: str) -> None:
        """Redraw the control of `path` from the model, after a change from elsewhere."""
        for field in self.fields:
            if field.spec.path == path:
                field.set_control_value(F.get_value(self.wizard.answers, path))

    def revalidate(self) -> None:
        """Validate this step, show each problem beside its field, refresh the rest."""
        applies = {f.spec.path: self.field_shown(f.spec) for f in self.fields}
        shown = {path for path, on in applies.items() if on}
        hidden = set(applies) - shown
        # Text that is not a number counts only while its field applies.
        self.unparsed = {p: v for p, v in self.unparsed.items() if p in shown}
        # A warning about a field that does not apply now (tags kept from a
        # legacy token after a glrt- token was pasted) cannot be acted on here.
        self.problems = [
            p
            for p in self.wizard.problems_of(self.STEP)
            if p.level == ERROR or p.field not in hidden
        ] + list(self.unparsed.values())
        placed: set[int] = set()
        for field in self.fields:
            spec = field.spec
            field.show(applies[spec.path])
            mine = [
                p
                for p in self.problems
                if p.field == spec.path
                or p.field.startswith((spec.path + ".", spec.path + "["))
            ]
            if field.display:
                placed.update(id(p) for p in mine)
            field.show_problems(mine)
        self.show_summary([p for p in self.problems if id(p) not in placed])
        self.wizard.refresh_states({self.STEP: self.problems})
        self.query_one(StepList).show_states(self.wizard.states, self.STEP)
        self.refresh_extra()
        # Only when Next turns on or off: bindings refreshes are not free.
        if self.has_errors != self.blocked:
            self.blocked = self.has_errors
            self.refresh_bindings()

    def refresh_bindings(self) -> None:
        super().refresh_bindings()
        for bar in self.query(KeyBar):  # none yet while the screen is composed
            bar.show_keys()

    def show_summary(self, unplaced: list[Problem]) -> None:
        errors = [p for p in self.problems if p.level == ERROR]
        warnings = [p for p in self.problems if p.level != ERROR]
        if errors:
            level = ERROR
            head = (
                f"{mark(ERROR)} {len(errors)} error(s) on this step: "
                "Next is off until they are fixed."
            )
        elif warnings:
            level = WARNING
            head = f"{mark(WARNING)} valid, with {len(warnings)} warning(s)."
        else:
            level = VALID
            head = f"{mark(VALID)} valid."
        lines = [head] + [f"{mark(p.level)} {p.field}: {p.message}" for p in unplaced]
        text = "\n".join(lines)
        if (text, level) == self.summary_shown:
            return
        self.summary_shown = (text, level)
        summary = self.query_one("#summary", Static)
        summary.update(text)
        summary.set_class(level == ERROR, "-error")
        summary.set_class(level == WARNING, "-warning")

    @property
    def has_errors(self) -> bool:
        return any(p.level == ERROR for p in self.problems)

    # Navigation -----------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next":
            # Shown but dimmed while the step is invalid: the operator sees why.
            return None if self.has_errors else True
        if action == "back":
            return None if STEPS[0] == self.STEP else True
        if action == "confirm_checks":
            # Offline it stays on, so Ctrl+R can say why nothing runs.
            return self.wizard.offline or any(c.on_confirm_only for c in self.checks)
        return True

    def action_next(self) -> None:
        index = STEPS.index(self.STEP)
        if index + 1 < len(STEPS):
            self.wizard.goto(STEPS[index + 1])

    def action_back(self) -> None:
        index = STEPS.index(self.STEP)
        if index > 0:
            self.wizard.goto(STEPS[index - 1])

    def action_steps(self) -> None:
        # set_focus now, not focus() (deferred): keys typed right after Ctrl+G
        # in the same burst must reach the step list, not the field.
        self.set_focus(self.query_one(StepList))

    def action_help(self) -> None:
        shown = self.query("#help")
        if shown:
            shown.first().toggle_class("-shown")
            return
        self.query_one("#content").mount(
            Static(
                self.HELP + "\n\n" + KEYS_HELP,
                id="help",
                classes="-shown",
                markup=False,
            ),
            before=0,
        )

    def jump(self, step: str) -> None:
        """Open `step` from the step list; on the step shown, go back to its fields."""
        if step != self.STEP:
            self.wizard.goto(step)
        else:
            self.focus_first_field()

    # Live checks ----------------------------------------------------------

    def start_checks(self) -> None:
        """List this step's checks, and run those that need no go-ahead."""
        self.checks = self.wizard.checks_of(self.STEP)
        self.query_one(CheckPanel).set_rows(self.idle_rows())
        self.refresh_bindings()  # Verify shows only when a check needs it
        self.run_checks(confirm=False)

    def idle_rows(self) -> list[tuple[str, str, str, str]]:
        why = "offline: started with --offline" if self.wizard.offline else ""
        return [(c.name, c.label, NOT_CHECKED, why) for c in self.checks]

    def checks_changed(self, path: str) -> None:
        """An answer changed: drop stale results now, re-check once typing stops."""
        for check in self.checks:
            if not check.fields or path in check.fields:
                self.stale_checks.add(check.name)
                worker = self.check_workers.pop(check.name, None)
                if worker is not None:
                    worker.cancel()
        if self.check_timer is not None:
            self.check_timer.stop()
        self.check_timer = self.set_timer(DEBOUNCE, self.rerun_checks)

    def rerun_checks(self) -> None:
        """After the debounce: list the checks the answers now call for, and run them."""
        names = [c.name for c in self.checks]
        self.checks = self.wizard.checks_of(self.STEP)
        stale = self.stale_checks
        self.stale_checks = set()
        if [c.name for c in self.checks] != names:
            self.stop_checks()
            self.query_one(CheckPanel).set_rows(self.idle_rows())
            self.refresh_bindings()
            stale = {c.name for c in self.checks}
        self.run_checks(confirm=False, only=stale)

    def run_checks(self, *, confirm: bool, only: set[str] | None = None) -> None:
        """Start each check in its own thread, on a copy of the answers."""
        if self.wizard.offline:
            return
        panel = self.query_one(CheckPanel)
        snapshot = copy.deepcopy(self.wizard.answers)
        timeouts = self.wizard.timeouts
        attempts = self.wizard.check_attempts
        for check in self.checks:
            if only is not None and check.name not in only:
                continue  # its answers did not change: its result still holds
            if (
                check.on_confirm_only
                and not confirm
                and not self.queued_checks.get(check.name)
            ):
                panel.update_row(
                    check.name,
                    check.label,
                    NOT_CHECKED,
                    "has a side effect: press Ctrl+R to run it",
                )
                continue
            if attempts.get(check.name, 0) >= MAX_ATTEMPTS:
                # Earlier attempts still wait on the server: start when one ends.
                self.queued_checks[check.name] = confirm or self.queued_checks.get(
                    check.name, False
                )
                panel.update_row(
                    check.name,
                    check.label,
                    RUNNING,
                    "waiting for an earlier attempt to time out",
                )
                continue
            self.queued_checks.pop(check.name, None)
            attempts[check.name] = attempts.get(check.name, 0) + 1
            panel.update_row(check.name, check.label, RUNNING, "")
            self.check_workers[check.name] = self.run_worker(
                _runner(check, snapshot, timeouts, self.wizard),
                name=check.name,
                group="check:" + check.name,
                exclusive=True,
                thread=True,
                exit_on_error=False,
            )

    def run_queued(self, name: str) -> None:
        """A slot for `name` is free again: start it if it was waiting for one."""
        if name in self.queued_checks:
            confirm = self.queued_checks.pop(name)
            self.run_checks(confirm=confirm, only={name})

    def stop_checks(self) -> None:
        if self.check_timer is not None:
            self.check_timer.stop()
            self.check_timer = None
        for worker in self.check_workers.values():
            worker.cancel()
        self.check_workers.clear()

    def action_confirm_checks(self) -> None:
        if self.wizard.offline:
            self.notify("offline: checks are off (started with --offline)")
            return
        self.run_checks(confirm=True)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        name = worker.name
        if self.check_workers.get(name) is not worker:
            return  # a result for answers that have changed since: ignore it
        check = next((c for c in self.checks if c.name == name), None)
        if check is None or event.state not in (WorkerState.SUCCESS, WorkerState.ERROR):
            return
        del self.check_workers[name]
        panel = self.query_one(CheckPanel)
        if event.state == WorkerState.ERROR:
            # Only the exception type: its text might carry a credential.
            kind = type(worker.error).__name__
            panel.update_row(
                name, check.label, ERROR, f"the check itself failed ({kind})"
            )
            return
        result: CheckResult = worker.result
        self.wizard.results[name] = (check, result)
        panel.update_row(name, check.label, result.status, result.message)
        self.check_done(check, result)
        if result.facts:
            self.wizard.absorb_facts(result.facts)

    def check_done(self, check: Check, result: CheckResult) -> None:
        """Hook: a step reacts to one of its check results (offers a fix, say)."""


def _runner(check: Check, answers, timeouts, app: WizardApp):
    """A zero-argument callable for a thread worker; the app hears when it returns."""
    loop = asyncio.get_running_loop()

    def run() -> CheckResult:
        try:
            return check.run(answers, timeouts)
        finally:
            # The app may be gone by the time a hung attempt returns.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(app.call_next, app.attempt_ended, check.name)

    return run
