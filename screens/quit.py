"""Asks before quitting when the answers were changed and not written."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static


class QuitScreen(ModalScreen[None]):
    """Quit without writing? y quits, n or Escape goes back to the step."""

    BINDINGS: ClassVar = [
        Binding("y", "leave", "Quit", priority=True),
        Binding("n", "stay", "Stay", priority=True),
        Binding("escape", "stay", "Stay", priority=True),
    ]

    DEFAULT_CSS = """
    QuitScreen { align: center middle; }
    QuitScreen > Vertical {
        width: 50; height: auto; border: round $warning; padding: 0 1;
    }
    """

    def compose(self) -> ComposeResult:
        with Vertical():
            yield Static(
                "Some answers changed since they were loaded or written.\n"
                "Quit without writing? y/n",
                id="quit-question",
                markup=False,
            )

    def action_leave(self) -> None:
        self.app.exit()

    def action_stay(self) -> None:
        self.dismiss(None)
