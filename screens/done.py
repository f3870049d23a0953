"""The last screen: what was written, and what is left to do by hand."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any, ClassVar

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Button, Footer, Static

from screens.marks import VALID, mark


def done_text(plan: Any, report: Any, notes: Iterable[str] = ()) -> str:
    """Plain text of the result: files written, unchanged, backed up; manual steps."""
    written = list(getattr(report, "written", []) or [])
    unchanged = list(getattr(report, "unchanged", []) or [])
    backups = dict(getattr(report, "backups", {}) or {})
    lines = [f"{mark(VALID)} Done. {len(written)} file(s) written:"]
    lines += [f"  {path}" for path in written] or ["  (none)"]
    if unchanged:
        lines.append(f"{len(unchanged)} file(s) already up to date, not touched:")
        lines += [f"  {path}" for path in unchanged]
    remerged = list(getattr(report, "remerged", []) or [])
    if remerged:
        lines.append(
            "Changed on disk while the wizard ran; merged again, keeping that change:"
        )
        for change in remerged:
            lines.append(f"  {change.path}")
            lines += [f"    {line}" for line in change.diff.splitlines()]
    if backups:
        lines.append("Previous versions kept as:")
        lines += [f"  {backup}" for backup in backups.values()]
    notes = list(notes) + list(getattr(plan, "notes", []) or [])
    if notes:
        lines.append("Notes:")
        lines += [f"  {note}" for note in notes]
    steps = (
        plan.steps_after(written)
        if hasattr(plan, "steps_after")
        else list(getattr(plan, "manual_steps", []) or [])
    )
    lines.append("")
    lines.append("Left to do by hand:" if steps else "Nothing is left to do by hand.")
    lines += [f"  {n}. {step}" for n, step in enumerate(steps, 1)]
    return "\n".join(lines)


class IndentedText(Static):
    """Plain text whose wrapped lines keep their line's indent (paths, numbered steps)."""

    def render(self):
        from rich.console import Group
        from rich.padding import Padding
        from rich.text import Text

        rows = []
        for line in str(self.content).splitlines() or [""]:
            body = line.lstrip(" ")
            indent = len(line) - len(body)
            # A numbered step's continuation lines sit under its text, not its number.
            number = body.split(" ", 1)[0]
            if number.endswith(".") and number[:-1].isdigit():
                rows.append(_hanging(body, indent, len(number) + 1))
            else:
                rows.append(Padding(Text(body), (0, 0, 0, indent)))
        return Group(*rows)


def _hanging(body: str, indent: int, hang: int):
    """A numbered line: the number at `indent`, its wrapped text `hang` further in."""
    from rich.padding import Padding
    from rich.table import Table
    from rich.text import Text

    number, _, rest = body.partition(" ")
    grid = Table.grid(padding=(0, 1, 0, 0))
    grid.add_column(width=hang - 1, no_wrap=True)
    grid.add_column(ratio=1)
    grid.add_row(Text(number), Text(rest))
    return Padding(grid, (0, 0, 0, indent))


class DoneScreen(Screen):
    """Lists the written files and the steps left to the operator."""

    BINDINGS: ClassVar = [Binding("ctrl+q", "app.quit", "Quit")]

    DEFAULT_CSS = """
    DoneScreen #title { height: 1; background: $success; color: $text; padding: 0 1; }
    DoneScreen #result { padding: 1 1; }
    """

    def __init__(self, plan: Any, report: Any, notes: Iterable[str] = ()) -> None:
        super().__init__(name="done")
        self.plan = plan
        self.report = report
        self.notes = list(notes)

    def compose(self) -> ComposeResult:
        yield Static(
            f"ask-runner-wizard {mark('sep')} written", id="title", markup=False
        )
        with VerticalScroll():
            yield IndentedText(
                done_text(self.plan, self.report, self.notes), id="result", markup=False
            )
            yield Button("Quit", id="quit", variant="primary")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#quit", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.app.exit(0)
