"""Mistakes found in an existing config.toml, and the fixes the operator accepts."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.widgets import Static

if TYPE_CHECKING:
    from textual.widgets import Button

from screens.marks import mark
from screens.widgets import set_text

log = logging.getLogger(__name__)


class LintPanel(Vertical):
    """Lists each finding with its line; applies only the fixes ticked by the operator."""

    DEFAULT_CSS = """
    LintPanel { height: auto; margin-bottom: 1; }
    LintPanel SelectionList { height: auto; max-height: 8; }
    LintPanel Button { width: auto; }
    """

    def __init__(self) -> None:
        super().__init__(id="lint")
        self.path: Path | None = None
        self.text = ""
        self.findings: list = []
        self.fingerprint = None

    def compose(self) -> ComposeResult:
        # Built on the first finding (see `build`): most hosts have none, and the
        # first screen is drawn sooner without these widgets.
        return ()

    def build(self) -> None:
        """Mount the panel's widgets, once."""
        from textual.widgets import Button, SelectionList

        if not self.children:
            self.mount_all(
                [
                    Static("", id="lint-findings", markup=False),
                    SelectionList[int](id="lint-fixes"),
                    Button("Apply the ticked fixes", id="lint-apply", compact=True),
                    Static("", id="lint-result", markup=False),
                ]
            )

    def show(self, path: Path) -> None:
        """Lint `path` and list what is wrong; hide the panel when it cannot be read."""
        self.path = path
        try:
            readable = path.is_file()
        except OSError:  # a name too long to look at: the config field says so
            readable = False
        if not readable:
            # Nothing to lint: the linter is not even imported (start-up stays short).
            self.display = False
            return
        from wizard.lint import lint_config
        from wizard.write.files import fingerprint

        fp = fingerprint(path)
        if fp is None or fp.content is None:
            self.display = False
            return
        self.fingerprint = fp
        self.text = fp.content.decode("utf-8", errors="replace")
        self.findings = lint_config(self.text, str(path))
        self.display = bool(self.findings)
        if not self.findings:
            return
        self.build()
        from textual.widgets import Button, SelectionList
        from textual.widgets.selection_list import Selection

        lines = [
            f"{len(self.findings)} problem(s) in {path.name} (the runner ignores or refuses these):"
        ]
        lines += [f"{mark(f.problem.level)} {f.problem}" for f in self.findings]
        fixable = [(n, f) for n, f in enumerate(self.findings) if f.fix is not None]
        if fixable:
            lines.append(
                "Tick the fixes to apply (Space), then Apply; nothing else changes."
            )
        set_text(self.query_one("#lint-findings", Static), "\n".join(lines))
        choices = self.query_one("#lint-fixes", SelectionList)
        choices.clear_options()
        choices.add_options(
            Selection(Content(f"line {f.line}: {f.fix_label}"), n) for n, f in fixable
        )
        choices.display = bool(fixable)
        self.query_one("#lint-apply", Button).display = bool(fixable)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "lint-apply":
            return
        event.stop()
        from textual.widgets import SelectionList

        chosen = [
            self.findings[n]
            for n in self.query_one("#lint-fixes", SelectionList).selected
        ]
        result = self.query_one("#lint-result", Static)
        if not chosen or self.path is None:
            set_text(result, "No fix is ticked: nothing was changed.")
            return
        set_text(result, self.apply(chosen))
        self.show(self.path)

    def apply(self, chosen: list) -> str:
        """Write config.toml with the chosen fixes (backup first); one line of outcome."""
        from wizard.lint import MalformedFileError, apply_fixes
        from wizard.write.files import (
            Artifact,
            ConcurrentChangeError,
            write_artifacts,
        )

        assert self.path is not None
        try:
            fixed = apply_fixes(self.text, chosen)
        except MalformedFileError as exc:
            return f"Not applied: {exc}"
        artifact = Artifact(
            self.path, fixed.encode(), 0o600, True, "config.toml with lint fixes"
        )
        try:
            report = write_artifacts([artifact], {self.path: self.fingerprint})
        except ConcurrentChangeError:
            return "Not applied: the file changed on disk meanwhile; look at it again."
        except OSError as exc:
            return f"Not applied: {exc.strerror or exc}"
        log.info("applied %d lint fix(es) to %s", len(chosen), self.path)
        saved = report.backups.get(self.path)
        kept = f"; the previous version is {saved}" if saved else ""
        return f"Applied {len(chosen)} fix(es) to {self.path}{kept}."
