"""Run a terminal program on a pseudo-terminal and watch what it draws."""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import select
import signal
import struct
import termios
import time

# CSI, OSC, DCS and two-byte escapes: what remains is the text a person sees.
_ESCAPES = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1bP[^\x1b]*\x1b\\"
    r"|\x1b[()*+][0-9A-Za-z]"
    r"|\x1b[=>78NOcDEHM]"
)


def visible(data: bytes) -> str:
    """Terminal output with the escape sequences removed."""
    return _ESCAPES.sub("", data.decode("utf-8", "replace"))


class PtyApp:
    """A child process whose controlling terminal is a pty we hold the master of."""

    def __init__(
        self,
        argv: list[str],
        env: dict[str, str],
        size: tuple[int, int] = (80, 24),
        cwd: str | None = None,
    ):
        self.started = time.perf_counter()
        master, slave = os.openpty()
        cols, rows = size
        fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", rows, cols, 0, 0))
        pid = os.fork()
        if pid == 0:  # the child: new session, the pty as its terminal
            try:
                os.close(master)
                os.login_tty(slave)
                if cwd:
                    os.chdir(cwd)
                os.execve(argv[0], argv, env)
            finally:
                os._exit(127)
        os.close(slave)
        self.pid = pid
        self.fd = master
        self.output = bytearray()
        self.status: int | None = None

    def read(self, timeout: float) -> bytes:
        """What the child wrote within `timeout` seconds (b"" if nothing)."""
        ready, _, _ = select.select([self.fd], [], [], max(timeout, 0))
        if not ready:
            return b""
        try:
            chunk = os.read(self.fd, 65536)
        except OSError:  # the child closed the terminal
            return b""
        self.output += chunk
        return chunk

    def wait_for_text(self, text: str, timeout: float = 30.0, since: int = 0) -> float:
        """Seconds until `text` shows in the output after byte `since`."""
        deadline = time.perf_counter() + timeout
        while True:
            if text in visible(bytes(self.output[since:])):
                return time.perf_counter()
            left = deadline - time.perf_counter()
            if left <= 0:
                tail = visible(bytes(self.output[-600:]))
                raise TimeoutError(f"{text!r} never appeared; last output: {tail!r}")
            if not self.read(min(left, 0.5)) and self.exited():
                raise RuntimeError(f"the program exited before showing {text!r}")

    def send(self, data: bytes) -> float:
        """Write keys to the program; returns the time they were sent."""
        os.write(self.fd, data)
        return time.perf_counter()

    def exited(self) -> bool:
        if self.status is None:
            pid, status = os.waitpid(self.pid, os.WNOHANG)
            if pid:
                self.status = os.waitstatus_to_exitcode(status)
        return self.status is not None

    def close(self, keys: bytes = b"\x11", grace: float = 5.0) -> int:
        """Quit with `keys` (Ctrl+Q), then kill it if it does not go."""
        if not self.exited():
            with contextlib.suppress(OSError):
                self.send(keys)
            deadline = time.perf_counter() + grace
            while not self.exited() and time.perf_counter() < deadline:
                self.read(0.05)
            if not self.exited():
                os.kill(self.pid, signal.SIGKILL)
                os.waitpid(self.pid, 0)
                self.status = -signal.SIGKILL
        os.close(self.fd)
        return self.status if self.status is not None else -1
