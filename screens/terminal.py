"""Leave the operator's terminal as it was, however the wizard ends.

Textual restores the terminal when it shuts down normally, but a SIGTERM or a
dropped SSH session (SIGHUP) kills a bare Textual app with mouse reporting,
bracketed paste, the alternate screen and raw tty mode still switched on: the
shell then types mouse reports into the prompt. `run_guarded` turns those
signals into a clean `App.exit()`, and writes a last-resort reset to the tty
when the clean path cannot finish.

This module imports Textual only for type checking: the CLI calls
`prefer_ssh_escape_delay` before Textual is imported.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import gc
import logging
import os
import signal
import sys
import threading
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from textual.app import App

log = logging.getLogger(__name__)

# Everything Textual (or any full-screen app) may switch on, switched off.
# Harmless on a terminal that never had them on.
RESTORE_SEQUENCE = (
    b"\x1b[?2026l"  # end a synchronized update the app may have died inside
    b"\x1b[<u"  # pop the kitty keyboard mode Textual pushed
    b"\x1b[?1000l\x1b[?1002l\x1b[?1003l"  # mouse buttons, drags, any motion
    b"\x1b[?1005l\x1b[?1006l\x1b[?1015l\x1b[?1016l"  # mouse report encodings
    b"\x1b[?1007l"  # wheel sent as arrow keys on the alternate screen
    b"\x1b[?2004l"  # bracketed paste
    b"\x1b[?1004l"  # focus in/out reports
    b"\x1b[?2048l"  # in-band resize reports
    b"\x1b[?7h"  # line wrap back on
    b"\x1b[0m"  # plain text attributes
    b"\x1b[?1049l"  # back to the normal screen
    b"\x1b[?25h"  # cursor visible
)

# Signals that mean "stop now" from outside: kill/systemd, a dropped SSH
# session, and Ctrl+\ when the tty is not in raw mode.
STOP_SIGNALS = (signal.SIGTERM, signal.SIGHUP, signal.SIGQUIT)

# How long a clean exit may take after a signal before the guard restores the
# terminal itself and ends the process; a check hanging on a dead server must
# not keep a closed SSH session's process alive.
CLEAN_EXIT_GRACE = 2.0

# ESCDELAY (ms) used over SSH when the operator has not set one: long enough
# that an arrow key split across two packets ~150 ms apart stays one key.
SSH_ESCDELAY_MS = 300


# How long the exit waits for file writes in progress: writes are local and
# short, and stopping between two files would leave a half-applied setup.
CRITICAL_WAIT = 30.0

_critical_count = 0
_critical_done = threading.Condition()


@contextlib.contextmanager
def critical_section():
    """Mark work (writing the artifacts) that quitting or a signal must not cut."""
    global _critical_count
    with _critical_done:
        _critical_count += 1
    try:
        yield
    finally:
        with _critical_done:
            _critical_count -= 1
            _critical_done.notify_all()


def wait_for_critical(timeout: float = CRITICAL_WAIT) -> bool:
    """Wait until no critical section runs; False if one is still running."""
    with _critical_done:
        return _critical_done.wait_for(lambda: _critical_count == 0, timeout)


def over_ssh(environ: dict[str, str] | os._Environ[str] | None = None) -> bool:
    """True when this process runs in an SSH session."""
    env = os.environ if environ is None else environ
    return any(env.get(k) for k in ("SSH_CONNECTION", "SSH_CLIENT", "SSH_TTY"))


def prefer_ssh_escape_delay(environ: Any = None) -> str | None:
    """Over SSH, raise Textual's escape delay unless the operator set ESCDELAY.

    Must run before `textual` is imported: Textual reads ESCDELAY once, at import.
    Returns the value in effect (None when Textual keeps its default).
    """
    env = os.environ if environ is None else environ
    if "ESCDELAY" in env:
        return env["ESCDELAY"]
    if not over_ssh(env):
        return None
    if "textual.constants" in sys.modules:
        log.warning("Textual already imported; ESCDELAY stays at its default")
        return None
    env["ESCDELAY"] = str(SSH_ESCDELAY_MS)
    return env["ESCDELAY"]


def _tty_fd() -> int | None:
    """The file descriptor the app draws on, if it is a terminal."""
    for stream in (sys.__stdout__, sys.__stderr__, sys.__stdin__):
        try:
            if stream is not None and os.isatty(stream.fileno()):
                return stream.fileno()
        except (OSError, ValueError):
            continue
    return None


class TerminalGuard:
    """Remembers the tty as it was and puts it back if the app could not."""

    def __init__(self, fd: int | None = None):
        self.fd = _tty_fd() if fd is None else fd
        self.attrs: list[Any] | None = None
        self.active = False  # the app may have the terminal in application mode
        self.signalled: int | None = None
        self._lock = threading.Lock()

    def save(self) -> None:
        """Record the tty modes (echo, line editing, signals) before the app runs."""
        if self.fd is None:
            return
        import termios

        try:
            self.attrs = termios.tcgetattr(self.fd)
        except termios.error:
            self.attrs = None

    def restore(self) -> None:
        """Write the reset sequence and put the tty modes back; never raises."""
        with self._lock:
            if self.fd is None:
                return
            try:
                os.write(self.fd, RESTORE_SEQUENCE)
            except OSError:
                # The tty is gone (the SSH session dropped): nothing to restore.
                return
            if self.attrs is not None:
                import termios

                with contextlib.suppress(termios.error):
                    termios.tcsetattr(self.fd, termios.TCSADRAIN, self.attrs)
            self.active = False

    def restore_if_active(self) -> None:
        """Restore only when the app did not get to restore the terminal itself.

        A second reset after a clean exit would move the cursor back to where
        the app started and hide whatever was printed since.
        """
        if self.active:
            self.restore()


# Seconds a thread may hold the interpreter before another gets a turn.
SWITCH_INTERVAL = 0.001


def run_guarded(app: App[Any], *, grace: float = CLEAN_EXIT_GRACE) -> Any:
    """Run `app` so that quit, crash, SIGTERM and SIGHUP all leave the tty clean.

    Returns what `app.run()` returns; after a signal `app.return_code` is
    128 + the signal number, as a shell would report it.
    """
    guard = TerminalGuard()
    guard.save()
    # Checks run in threads, and a first import of a client library there is
    # long pure-Python work: with the default 5 ms slices a key waited up to
    # several of them. Shorter slices give the UI thread its turn sooner.
    interval = sys.getswitchinterval()
    sys.setswitchinterval(SWITCH_INTERVAL)
    loop = asyncio.new_event_loop()
    loop.set_default_executor(DaemonExecutor())

    def on_signal(signum: int, _frame: object) -> None:
        code = 128 + signum
        if guard.signalled is not None or not loop.is_running():
            # Asked twice, or outside the app's loop (starting or already
            # ending): there is no clean path left to wait for.
            _hard_exit(guard, code)
        guard.signalled = signum
        log.info("signal %s: closing the wizard", signal.Signals(signum).name)
        _start_watchdog(guard, grace, code)
        loop.call_soon_threadsafe(app.exit, None, code)

    previous = {s: signal.signal(s, on_signal) for s in STOP_SIGNALS}
    guard.active = True
    try:
        # App.run returns after Textual's own restore; it raises only when the
        # app could not start or shut down, and then ours is needed.
        return app.run(loop=loop)
    except BaseException:
        guard.restore_if_active()
        raise
    finally:
        guard.active = False
        sys.setswitchinterval(interval)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        loop.close()
        # Worker threads are daemons: a write still running must end first.
        wait_for_critical()


class DaemonExecutor(concurrent.futures.ThreadPoolExecutor):
    """Runs each thread worker in its own daemon thread, never waited for.

    Checks run as thread workers and can sit in a connect() to a server that
    never answers. With the standard pool, leaving the app (and then the
    interpreter) waits for those threads; nobody needs their result once the
    wizard has closed, so quitting must not wait for them.
    """

    def submit(
        self, fn: Any, /, *args: Any, **kwargs: Any
    ) -> concurrent.futures.Future:
        future: concurrent.futures.Future = concurrent.futures.Future()

        def work() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:
                future.set_exception(exc)
            else:
                future.set_result(result)

        threading.Thread(target=work, name="wizard-worker", daemon=True).start()
        return future

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Nothing to stop: the threads end with their work or with the process."""


def _start_watchdog(guard: TerminalGuard, grace: float, code: int) -> None:
    """End the process if it is still alive `grace` seconds after a signal.

    The clean exit can stall on a worker blocked in a network call, and once
    the app is gone the process must not linger behind a dropped session.
    """

    def watch() -> None:
        threading.Event().wait(grace)
        log.warning("still running %.1fs after the signal; ending now", grace)
        _hard_exit(guard, code)

    threading.Thread(target=watch, name="exit-watchdog", daemon=True).start()


def _hard_exit(guard: TerminalGuard | None, code: int) -> None:
    """Last resort: reset the terminal if the app still holds it, then end."""
    if guard is not None:
        guard.restore_if_active()
    if not wait_for_critical():
        log.error("a file write was still running when the process ended")
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    logging.shutdown()
    os._exit(code)


def exit_without_waiting(code: int) -> None:
    """End the process now if non-daemon threads would make Python wait at exit.

    `run_guarded` already runs thread workers as daemons; this catches threads
    started some other way (a library's own pool) so quitting stays instant.
    """
    stuck = [
        t
        for t in threading.enumerate()
        if t is not threading.main_thread() and t.is_alive() and not t.daemon
    ]
    if stuck:
        log.info("not waiting for %d unfinished thread(s) at exit", len(stuck))
        _hard_exit(None, code)


def startup_over() -> None:
    """The first screen is drawn: collect garbage again, sparing start-up's objects.

    `wizard.cli.main` pauses collection while the wizard starts. What start-up
    built lives as long as the app, so it is frozen: later passes (between
    keys) skip it instead of walking it every time.
    """
    if not gc.isenabled():
        gc.freeze()
        gc.enable()
