"""On a host set up before: change one step, walk them all, or start afresh."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import OptionList, Static
from textual.widgets.option_list import Option

from screens.base import STEP_TITLES
from screens.terminal import startup_over
from wizard.model import STEPS

WALK = "walk"
FRESH = "fresh"


@dataclass(frozen=True)
class ResumeChoice:
    """What the operator picked: a step to open, and whether to load the earlier run."""

    step: str
    load: bool
    runner: str | None = None  # the entry to load, when config.toml has several


class ResumeScreen(ModalScreen[ResumeChoice]):
    """Asks how to go on with a setup found on this host."""

    BINDINGS: ClassVar = [Binding("ctrl+q", "app.quit", "Quit")]

    DEFAULT_CSS = """
    ResumeScreen { align: center middle; }
    ResumeScreen > Vertical {
        width: 64; height: auto; max-height: 22; border: round $primary; padding: 0 1;
    }
    ResumeScreen OptionList { height: auto; max-height: 14; }
    """

    def __init__(self, where: str, runners: list[str], ask_runner: bool = True) -> None:
        super().__init__()
        self.where = where
        self.runners = runners
        # With several entries, loading needs to know which one (unless --runner said).
        self.ask_runner = ask_runner and len(runners) > 1
        self.pending: ResumeChoice | None = None

    def compose(self) -> ComposeResult:
        entries = ", ".join(self.runners) if self.runners else "none"
        with Vertical():
            yield Static(
                f"This host was set up before ({self.where}; runner entries: "
                f"{entries}). Change one step with the values already written, "
                "or walk every step.",
                id="resume-question",
                markup=False,
            )
            yield OptionList(
                Option("Walk every step, starting from what is written", id=WALK),
                *[
                    Option(f"Change only: {STEP_TITLES[step]}", id=step)
                    for step in STEPS[1:]
                ],
                Option("Start afresh (ignore what is written)", id=FRESH),
                id="resume-choices",
            )

    def on_mount(self) -> None:
        # The first screen of a run on a host set up before.
        self.call_after_refresh(startup_over)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if self.pending is not None:
            # The second question: which runner entry to load.
            name = self.runners[event.option_index]
            self.dismiss(ResumeChoice(self.pending.step, load=True, runner=name))
            return
        choice = event.option.id or WALK
        if choice == FRESH:
            self.dismiss(ResumeChoice(STEPS[0], load=False))
            return
        picked = ResumeChoice(STEPS[0] if choice == WALK else choice, load=True)
        if not self.ask_runner:
            self.dismiss(picked)
            return
        self.pending = picked
        self.query_one("#resume-question", Static).update(
            f"{self.where} has {len(self.runners)} runner entries: "
            "which one should be loaded?"
        )
        options = self.query_one("#resume-choices", OptionList)
        options.clear_options()
        options.add_options(
            [Option(f"Runner entry: {n or '(no name)'}") for n in self.runners]
        )
        options.highlighted = 0
