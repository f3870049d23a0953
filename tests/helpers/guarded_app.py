"""A tiny Textual app run through `screens.terminal.run_guarded`, for restore tests.

Keys: `x` raises in a handler, `h` starts a worker that never finishes,
`w` starts a worker that raises,
`s` makes the app's shutdown stall (so only the guard's watchdog can end it),
`c` writes two files 1.5 s apart inside a critical section (into $GUARDED_OUT). Prints `RC=<code>` after the app returns.
"""

import os
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from textual.app import App, ComposeResult  # noqa: E402
from textual.widgets import Label  # noqa: E402

from screens.terminal import critical_section, run_guarded  # noqa: E402
from wizard.write.files import atomic_write  # noqa: E402

MARKER = "GUARDED-READY"


class GuardedApp(App[None]):
    """One label and a few ways to misbehave."""

    BINDINGS = [
        ("x", "crash", "crash"),
        ("h", "hang", "hang"),
        ("w", "fail", "fail"),
        ("s", "stall", "stall"),
        ("c", "write", "write"),
    ]
    stall = False

    def compose(self) -> ComposeResult:
        yield Label(MARKER, id="status")

    def action_crash(self) -> None:
        raise RuntimeError("deliberate crash in a key handler")

    def action_hang(self) -> None:
        self.run_worker(self._block, thread=True)
        self.query_one("#status", Label).update("HANGING")

    def action_fail(self) -> None:
        self.run_worker(self._raise, thread=True)

    def action_stall(self) -> None:
        self.stall = True
        self.query_one("#status", Label).update("STALLING")

    def on_unmount(self) -> None:
        if self.stall:
            # Blocks the event loop: the clean exit can never finish.
            time.sleep(60)

    def action_write(self) -> None:
        self.run_worker(self._write_two, thread=True)

    def _write_two(self) -> None:
        out = Path(os.environ["GUARDED_OUT"])
        with critical_section():
            atomic_write(out / "first.txt", b"first\n", 0o644)
            self.call_from_thread(self.query_one("#status", Label).update, "WRITING")
            time.sleep(1.5)
            atomic_write(out / "second.txt", b"second\n", 0o644)

    def _block(self) -> None:
        threading.Event().wait()

    def _raise(self) -> None:
        raise RuntimeError("deliberate crash in a worker")


if __name__ == "__main__":
    app = GuardedApp()
    run_guarded(app)
    code = app.return_code or 0
    print(f"RC={code}", flush=True)
    sys.exit(code)
