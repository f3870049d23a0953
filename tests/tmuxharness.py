"""Drive a command in a private tmux server and read back what it drew.

Used as a module by the tmux tests, and run as a script inside the pane: the
script starts the command under test, records its pid, and once it exits
prints its exit code and whether the tty modes came back, then echoes every
byte it reads as hex so a test can see what the terminal sends (bracketed
paste markers, leaked mouse reports).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve()
TMUX = shutil.which("tmux")
PASTE_START = "1b5b3230307e"  # ESC [ 2 0 0 ~ : the terminal still brackets pastes
MOUSE_FLAGS = (
    "mouse_any_flag",
    "mouse_all_flag",
    "mouse_button_flag",
    "mouse_standard_flag",
    "mouse_sgr_flag",
    "mouse_utf8_flag",
)


class PaneTimeout(AssertionError):
    """Expected text never appeared; carries the last screen for the report."""


class Tmux:
    """One tmux server on its own socket, with one window running one command."""

    def __init__(self, workdir: Path, width: int = 80, height: int = 24):
        assert TMUX, "tmux is not installed"
        self.workdir = workdir
        self.width = width
        self.height = height
        self.socket = f"arw-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"
        self.pidfile = workdir / "child.pid"
        self.started = False

    def tmux(self, *args: str, check: bool = True, input: bytes | None = None) -> str:
        """Run one tmux command against this server only."""
        proc = subprocess.run(
            [TMUX, "-L", self.socket, "-f", "/dev/null", *args],
            capture_output=True,
            input=input,
            timeout=20,
            env=_clean_env(),
        )
        if check and proc.returncode != 0:
            raise RuntimeError(f"tmux {args[0]} failed: {proc.stderr.decode()!r}")
        return proc.stdout.decode("utf-8", "replace")

    def start(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        """Start `argv` in the pane through the probe wrapper, with `env` on top."""
        env_args = [f"{k}={v}" for k, v in (env or {}).items()]
        wrapped = [
            "env",
            "-u",
            "TMUX",
            "-u",
            "TMUX_PANE",
            *env_args,
            sys.executable,
            str(HERE),
            str(self.pidfile),
            "--",
            *argv,
        ]
        self.tmux(
            "new-session",
            "-d",
            "-s",
            "main",
            "-x",
            str(self.width),
            "-y",
            str(self.height),
            "-c",
            str(self.workdir),
            *wrapped,
        )
        self.started = True
        # Keys typed before the command draws are still read by it, but a
        # test should act on what it sees: wait for the wrapper's pid file.
        self.wait_until(self.pidfile.exists, "the command to start")

    def close(self) -> None:
        """Kill the server (and every process in it); safe to call twice."""
        if self.started:
            self.tmux("kill-server", check=False)
            self.started = False

    def __enter__(self) -> Tmux:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- reading ---

    def screen(self, escapes: bool = False) -> str:
        """The visible pane as text (with SGR escapes when asked)."""
        args = ["capture-pane", "-p", "-t", "main"]
        if escapes:
            args.append("-e")
        return self.tmux(*args)

    def display(self, fmt: str) -> str:
        return self.tmux("display-message", "-p", "-t", "main", fmt).strip()

    def wait_until(
        self, predicate: Callable[[], object], what: str, timeout: float = 15.0
    ) -> object:
        """Poll `predicate` until it returns something truthy."""
        deadline = time.monotonic() + timeout
        while True:
            result = predicate()
            if result:
                return result
            if time.monotonic() > deadline:
                raise PaneTimeout(
                    f"timed out waiting for {what}; screen:\n{self.screen(False)}"
                )
            time.sleep(0.03)

    def wait_for(self, *texts: str, timeout: float = 15.0) -> str:
        """Wait until every one of `texts` is on the screen; return the screen."""

        def seen() -> str:
            shot = self.screen()
            return shot if all(t in shot for t in texts) else ""

        return str(self.wait_until(seen, f"{texts!r}", timeout))

    def wait_for_any(self, *texts: str, timeout: float = 15.0) -> str:
        """Wait until one of `texts` is on the screen; return that text."""

        def seen() -> str:
            shot = self.screen()
            return next((t for t in texts if t in shot), "")

        return str(self.wait_until(seen, f"any of {texts!r}", timeout))

    def child_pid(self) -> int:
        return int(self.pidfile.read_text().strip())

    def wait_exit(self, timeout: float = 15.0) -> tuple[int, bool]:
        """Wait for the command to end: (exit code, tty modes restored)."""
        shot = self.wait_for("[[EXIT rc=", timeout=timeout)
        line = shot[shot.index("[[EXIT rc=") :].split("]]")[0]
        fields = dict(part.split("=", 1) for part in line[2:].split()[1:])
        return int(fields["rc"]), fields["tty"] == "same"

    # --- terminal state after the command ended ---

    def modes(self) -> dict[str, str]:
        """What tmux says the command left switched on in the pane."""
        names = (*MOUSE_FLAGS, "alternate_on", "pane_in_mode", "cursor_flag")
        values = self.display("|".join(f"#{{{n}}}" for n in names)).split("|")
        return dict(zip(names, values, strict=True))

    def brackets_pastes(self) -> bool:
        """Paste through tmux and see if the wrapper got ESC[200~ around it."""
        before = self.screen().count("[[IN ")
        self.paste("p", bracketed=True)

        def echoed() -> str:
            lines = [ln for ln in self.screen().splitlines() if "[[IN " in ln]
            return "\n".join(lines) if len(lines) > before else ""

        return PASTE_START in str(self.wait_until(echoed, "the paste probe echo"))

    def assert_clean(self) -> None:
        """The terminal is as the shell expects: no mouse, paste, alt screen."""
        modes = self.modes()
        left_on = {k: v for k, v in modes.items() if k != "cursor_flag" and v != "0"}
        assert not left_on, f"left switched on: {left_on}"
        assert modes["cursor_flag"] == "1", "the cursor was left hidden"
        assert not self.brackets_pastes(), "bracketed paste was left on"

    # --- typing ---

    def keys(self, *keys: str) -> None:
        """tmux key names: 'Enter', 'C-q', 'Tab', 'Up'…"""
        self.tmux("send-keys", "-t", "main", *keys)

    def type(self, text: str) -> None:
        """Literal text, as if typed."""
        self.tmux("send-keys", "-t", "main", "-l", text)

    def raw(self, data: bytes) -> None:
        """Exact bytes to the program, with no key translation."""
        self.tmux("send-keys", "-t", "main", "-H", *(f"{b:02x}" for b in data))

    def paste(self, text: str, bracketed: bool = True) -> None:
        """Paste `text` the way a terminal does (bracketed if the app asked)."""
        self.tmux("load-buffer", "-b", "probe", "-", input=text.encode())
        args = ["paste-buffer", "-d", "-b", "probe", "-t", "main"]
        if bracketed:
            args.append("-p")
        self.tmux(*args)

    def resize(self, width: int, height: int) -> None:
        self.tmux("resize-window", "-t", "main", "-x", str(width), "-y", str(height))
        self.width, self.height = width, height

    def signal(self, signum: int) -> None:
        os.kill(self.child_pid(), signum)


def _clean_env() -> dict[str, str]:
    """The caller's environment without a tmux it may itself run in."""
    return {k: v for k, v in os.environ.items() if k not in ("TMUX", "TMUX_PANE")}


def installed_command() -> str | None:
    """The installed console script, next to this interpreter or on PATH."""
    beside = Path(sys.executable).parent / "ask-runner-wizard"
    if beside.exists():
        return str(beside)
    return shutil.which("ask-runner-wizard")


def _wrapper(pidfile: str, argv: list[str]) -> int:
    """Pane side: run argv, report how it ended, then echo input as hex."""
    import termios
    import tty

    fd = sys.stdin.fileno()
    before = termios.tcgetattr(fd)
    child = subprocess.Popen(argv)
    Path(pidfile).write_text(str(child.pid))
    rc = child.wait()

    after = termios.tcgetattr(fd)
    same = "same" if after == before else "changed"
    out = sys.stdout
    out.write(f"\r\n[[EXIT rc={rc} tty={same}]]\r\n")
    out.flush()

    # The modes are already recorded; now read raw so escape bytes arrive as is.
    termios.tcsetattr(fd, termios.TCSANOW, before)
    tty.setraw(fd)
    while True:
        data = os.read(fd, 4096)
        if not data:
            return 0
        out.write(f"[[IN {data.hex()}]]\r\n")
        out.flush()


if __name__ == "__main__":
    sep = sys.argv.index("--")
    sys.exit(_wrapper(sys.argv[1], sys.argv[sep + 1 :]))
