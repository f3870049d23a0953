"""Step 9: every file that will be written, its diff, and the write itself."""

from __future__ import annotations

import copy
import logging
from collections.abc import Iterable
from typing import Any, ClassVar

from textual.binding import Binding
from textual.widget import Widget
from textual.widgets import Button, Collapsible, Static
from textual.worker import Worker, WorkerState

from screens import fields as F
from screens.base import StepScreen
from screens.marks import ERROR, mark
from wizard.problems import InvalidAnswers, Problem

log = logging.getLogger(__name__)

HELP = (
    "This is everything the wizard will write. config.toml is merged, never "
    "regenerated; files holding credentials are mode 0600 and their secrets are "
    "masked below. Each changed file is backed up first and replaced atomically; "
    "unchanged files are not touched. Open a file's diff with Enter. Only Ctrl+N "
    "(or a click on the Write button) writes them all."
)

FIELDS = (
    F.FieldSpec(
        "review.apply",
        "Apply the manifests to the cluster after writing",
        "A server-side dry run first, then server-side apply; off: apply them by hand.",
        kind=F.BOOL,
    ),
)

STATUS_WORDS = {"new": "new", "changed": "changed", "unchanged": "unchanged"}


def plan_for(app: Any) -> Any:
    """The domain's plan for the app's answers and paths, rendered in memory."""
    from wizard.write.plan import plan_for_options

    return plan_for_options(app.answers, app.options)


class ReviewScreen(StepScreen):
    """Lists and diffs every artifact, then writes them."""

    STEP = "review"
    HELP = HELP
    FIELDS = FIELDS

    BINDINGS: ClassVar = [Binding("ctrl+n", "next", "Write")]

    def __init__(self) -> None:
        super().__init__()
        self.plan: Any = None
        self.writing = False

    def field_shown(self, spec: F.FieldSpec) -> bool:
        # Applying needs the cluster: offline, the manifests are applied by hand.
        if spec.path == "review.apply":
            return not self.wizard.offline
        return super().field_shown(spec)

    def extra(self) -> Iterable[Widget]:
        yield Static("", id="plan-summary", markup=False)
        button = Button("Write files (Ctrl+N)", id="write", variant="primary")
        # Not a Tab stop: Enter meant for a diff above must never write. Ctrl+N,
        # shown as "Write" in the key line, or a click is the deliberate action.
        button.can_focus = False
        yield button

    def on_mount(self) -> None:
        # StepScreen.on_mount (validation) runs after this one: Textual calls
        # the handler of every class in the hierarchy. The plan is built once
        # the step is validated, so it can say the errors are listed above.
        self.call_later(self.build)

    def build(self) -> None:
        """Render the plan and show one line and a masked diff per file."""
        for old in self.query(Collapsible):
            old.remove()
        summary = self.query_one("#plan-summary", Static)
        button = self.query_one("#write", Button)
        self.plan = None
        button.disabled = True
        self.refresh_bindings()
        if self.has_errors:
            summary.update(
                "Nothing can be written until the errors above are fixed; "
                "jump to their step with Ctrl+G."
            )
            return
        try:
            self.plan = plan_for(self.wizard)
        except InvalidAnswers as exc:
            # Found only while merging (the runner entry is not in config.toml…).
            summary.update(
                f"Nothing can be written yet:\n{problems_text(exc.problems)}"
            )
            return
        except (OSError, ValueError) as exc:
            # A file that cannot be read or parsed: its message names it.
            log.info("no plan: %s", type(exc).__name__)
            summary.update(f"{mark(ERROR)} cannot prepare the files: {exc}")
            return
        from wizard.write.files import diff_artifacts

        diffs = diff_artifacts(self.plan.artifacts, secrets=self.plan.secrets)
        lines = [f"{len(diffs)} file(s):"]
        for d in diffs:
            mode = "0600, holds secrets" if d.secret else ""
            extra = f" ({mode})" if mode else ""
            lines.append(f"{STATUS_WORDS.get(d.status, d.status):>9}  {d.path}{extra}")
            if d.label:
                lines.append(f"           {d.label}")
        for warning in self.plan.warnings:
            lines.append(f"{mark('warning')} {warning}")
        lines += [f"Note: {note}" for note in self.plan.notes]
        summary.update("\n".join(lines))
        button.disabled = False
        self.mount_all(
            (
                Collapsible(
                    Static(d.diff or "(no change)", markup=False),
                    title=f"{d.status}: {d.path.name}",
                    collapsed=True,
                )
                for d in diffs
            ),
            before=button,
        )
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "next":
            return None if (self.plan is None or self.writing) else True
        return super().check_action(action, parameters)

    def action_next(self) -> None:
        self.write()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id == "write":
            event.stop()
            self.write()

    def write(self) -> None:
        """Write every artifact in a worker; the final screen lists the result."""
        if self.plan is None or self.writing:
            return
        self.writing = True
        self.query_one("#write", Button).disabled = True
        self.refresh_bindings()
        plan, app = self.plan, self.wizard
        # The worker gets its own copy: a token obtained there must not race the UI.
        answers = copy.deepcopy(app.answers)
        self.run_worker(
            lambda: write_all(
                plan, answers, app.options, app.offline, app.timeouts, dict(app.results)
            ),
            name="write",
            group="write",
            thread=True,
            exit_on_error=False,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "write":
            return  # a check: StepScreen's own handler, which Textual also calls
        if event.state == WorkerState.SUCCESS:
            from screens.done import DoneScreen

            plan, report, notes = event.worker.result
            self.wizard.written = [str(p) for p in report_paths(report)]
            self.wizard.saved = copy.deepcopy(self.wizard.answers)
            self.wizard.show(DoneScreen(plan, report, notes))
        elif event.state == WorkerState.ERROR:
            self.writing = False
            self.query_one("#write", Button).disabled = False
            error = event.worker.error
            self.query_one("#plan-summary", Static).update(
                f"{mark(ERROR)} nothing was written: {error}"
            )
            self.refresh_bindings()


def write_all(
    plan: Any, answers: Any, options: Any, offline: bool, timeouts: Any, results: dict
):
    """The write, from a worker thread: token exchange when online, files, apply."""
    from wizard.write.plan import plan_for_options, write_plan

    notes: list[str] = []
    if not offline:
        from wizard.checks.runner import Outcome, apply_after_write, prepare_for_write

        # What the screens' checks found (a verified glrt- token's expiry), so
        # nothing with a side effect runs twice; then the legacy exchange.
        outcomes = [Outcome(check, result) for check, result in results.values()]
        line = prepare_for_write(answers, outcomes, timeouts)
        if line:
            notes.append(line)
        plan = plan_for_options(answers, options)
    from screens.terminal import critical_section

    # Quitting or a signal waits for the files: a half-applied setup is worse.
    with critical_section():
        report = write_plan(plan)
    if not offline:
        notes += apply_after_write(answers, timeouts)
    return plan, report, notes


def report_paths(report: Any) -> list[Any]:
    return list(getattr(report, "written", []) or [])


def problems_text(problems: list[Problem]) -> str:
    return "\n".join(f"{mark(p.level)} {p.field}: {p.message}" for p in problems)
