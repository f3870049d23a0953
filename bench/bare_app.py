"""The baseline for the start-up benchmark: a Textual app that draws one label."""

from textual.app import App, ComposeResult
from textual.widgets import Label

MARKER = "BARE-APP-READY"


class BareApp(App[None]):
    """Draws one label and nothing else; Ctrl+Q quits."""

    def compose(self) -> ComposeResult:
        yield Label(MARKER)


if __name__ == "__main__":
    BareApp().run()
