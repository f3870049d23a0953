"""A second baseline: the wizard's first screen rebuilt from Textual widgets alone.

Same layout, same kinds and number of widgets as the wizard's Target step
(a title, the step list, three labelled fields with a radio set, the check
panel and the key line), but none of the wizard's code: no validation, no
answers model, no checks. The gap between it and the one-label app is what
Textual itself needs to draw such a screen; the gap between it and the
wizard is the wizard's own cost.
"""

from textual.app import App, ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.widgets import Input, RadioButton, RadioSet, Static

MARKER = "FORM-APP-READY"

STEPS = (
    "Target",
    "Registration",
    "Cluster",
    "OSS cache",
    "Image pulls",
    "Spot",
    "Resources",
    "Networking",
    "Review",
)


class FormApp(App[None]):
    """Draws a form like the wizard's first screen; Ctrl+Q quits."""

    CSS = """
    Screen { layout: grid; grid-size: 2 3; grid-columns: 18 1fr; grid-rows: 1 1fr auto; }
    #title { column-span: 2; background: $primary; padding: 0 1; }
    #steps { row-span: 2; }
    #content { padding: 0 1; }
    .field { height: auto; margin-bottom: 1; }
    .label { text-style: bold; }
    .help { color: $text-muted; }
    #checks { height: auto; max-height: 5; border-top: solid $primary; }
    #keys { dock: bottom; height: 1; background: $panel; padding: 0 1; }
    """

    def compose(self) -> ComposeResult:
        yield Static(f"{MARKER} · step 1 of 9: Target", id="title")
        yield Static("\n".join(f"  {s}" for s in STEPS), id="steps")
        with VerticalScroll(id="content"):
            yield Static("valid.")
            with Vertical(classes="field"):
                yield Static("config.toml path", classes="label")
                yield Input("/etc/gitlab-runner/config.toml", compact=True)
                yield Static("Empty means gitlab-runner's default.", classes="help")
            with Vertical(classes="field"):
                yield Static("Runner entry", classes="label")
                yield RadioSet(
                    RadioButton("Edit an existing [[runners]] entry"),
                    RadioButton("Add a new [[runners]] entry", value=True),
                )
                yield Static("Edit an entry, or append a new one.", classes="help")
            with Vertical(classes="field"):
                yield Static("Output folder", classes="label")
                yield Input("/etc/gitlab-runner/ask-runner-wizard", compact=True)
                yield Static("Where manifests go.", classes="help")
            yield Static("config.toml: /etc/gitlab-runner/config.toml")
        yield Static("Live checks\nNo live checks for this step.", id="checks")
        yield Static("^n Next  ^b Back  ^g Steps  f1 Help  ^q Quit", id="keys")

    def on_mount(self) -> None:
        self.query_one(Input).focus()


if __name__ == "__main__":
    FormApp().run()
