"""Step 1: which config.toml, and which runner entry in it."""

from __future__ import annotations

import copy
from collections.abc import Iterable

from textual.widget import Widget
from textual.widgets import Static

from screens import fields as F
from screens.base import StepScreen
from screens.lintpanel import LintPanel
from screens.widgets import set_text

HELP = (
    "Pick the gitlab-runner config.toml to change and the [[runners]] entry in it. "
    "The wizard merges into that file: it changes only the keys it owns in this one "
    "entry, and every other runner, comment and unknown key stays as it was. Other "
    "files (manifests, credentials, examples) go to the output folder."
)

FIELDS = (
    F.FieldSpec(
        "target.config",
        "config.toml path",
        "Empty means gitlab-runner's default: /etc/gitlab-runner/config.toml as root.",
        placeholder="/etc/gitlab-runner/config.toml",
    ),
    F.FieldSpec(
        "target.mode",
        "Runner entry",
        "Edit an entry already in config.toml, or append a new one.",
        kind=F.RADIO,
        choices=(
            ("edit", "Edit an existing [[runners]] entry"),
            ("new", "Add a new [[runners]] entry"),
        ),
    ),
    F.FieldSpec(
        "target.runner",
        "Name of the entry to edit",
        "The value of name in the [[runners]] entry this wizard changes.",
        show_if=lambda a: a.target.mode == "edit",
    ),
    F.FieldSpec(
        "target.out_dir",
        "Output folder",
        "Where manifests and credential files go; empty means a folder next to config.toml.",
    ),
)


class TargetScreen(StepScreen):
    """Which config.toml and which runner entry the wizard changes."""

    STEP = "target"
    HELP = HELP
    FIELDS = FIELDS

    # The runner entry whose written values were loaded last, so each is read once.
    loaded_runner: str | None = None
    # The last loading error shown, so that typing does not repeat it.
    load_error = ""

    def answer_changed(self, path: str) -> None:
        if path in ("target.mode", "target.runner", "target.config"):
            self.load_entry()

    def load_entry(self) -> None:
        """On "edit" with the name of an entry in config.toml, load what it holds."""
        from wizard.lint import MalformedFileError
        from wizard.readback import ReadbackError, read_existing, runner_names

        app = self.wizard
        target = app.answers.target
        if target.mode != "edit" or target.runner == self.loaded_runner:
            return
        config, out = app.paths()
        try:
            if not config.is_file():
                return  # the file line under the fields says it does not exist yet
        except OSError:
            return  # nor can it be looked at; the config field says why
        try:
            if target.runner not in runner_names(config):
                return  # still being typed, or not an entry: nothing to load
            loaded = read_existing(config, out, target.runner)
        except (OSError, ValueError, ReadbackError, MalformedFileError) as exc:
            # Once per message: this runs on every key typed in the name.
            if str(exc) != self.load_error:
                self.load_error = str(exc)
                app.notify(str(exc), title="Not loaded", severity="error", timeout=10)
            return
        # The operator's choices on this step stay; the rest comes from the entry.
        loaded.answers.target = copy.deepcopy(target)
        app.answers = loaded.answers
        app.saved = copy.deepcopy(loaded.answers)
        self.loaded_runner = target.runner
        app.notify(f"Loaded the values written for runner {target.runner}.")

    def extra(self) -> Iterable[Widget]:
        yield Static("", id="target-file", classes="preview", markup=False)
        yield LintPanel()

    def refresh_extra(self) -> None:
        set_text(self.query_one("#target-file", Static), file_text(self.wizard))
        config, _ = self.wizard.paths()
        panel = self.query_one(LintPanel)
        if panel.path != config:
            panel.show(config)


def file_text(app) -> str:
    """Where files go, and the runner entries the chosen config.toml already has."""
    config, out = app.paths()
    lines = [f"config.toml: {config}", f"Other files: {out}"]
    try:
        exists = config.exists()
    except OSError as exc:  # too long a name: the field says what to do
        lines.append(f"It cannot be looked at: {exc.strerror or exc}")
        return "\n".join(lines)
    if not exists:
        lines.append("That file does not exist yet: it will be created.")
        return "\n".join(lines)
    # Imported only for a file to read: a fresh host starts without them.
    from wizard.lint import MalformedFileError
    from wizard.readback import runner_names

    try:
        names = runner_names(config)
    except MalformedFileError as exc:
        lines.append(f"It cannot be read: {exc}")
    except (OSError, UnicodeDecodeError) as exc:
        lines.append(f"It cannot be read: {getattr(exc, 'strerror', None) or exc}")
    else:
        listed = ", ".join(n or "(no name)" for n in names) or "none"
        lines.append(f"Runner entries in it: {listed}")
    return "\n".join(lines)
