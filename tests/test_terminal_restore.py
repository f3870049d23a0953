"""The terminal comes back clean on every way a Textual app can end."""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import time
from pathlib import Path

import pytest
from tmuxharness import Tmux

from screens import terminal

GUARDED = Path(__file__).parent / "helpers" / "guarded_app.py"
BARE = Path(__file__).parents[1] / "bench" / "bare_app.py"


def start(tmp_path: Path, script: Path, marker: str) -> Tmux:
    pane = Tmux(tmp_path)
    pane.start([sys.executable, str(script)])
    pane.wait_for(marker)
    return pane


def test_bare_textual_leaves_the_terminal_dirty_on_sigterm(tmp_path):
    """The baseline the guard exists for: unguarded Textual and SIGTERM."""
    with start(tmp_path, BARE, "BARE-APP-READY") as pane:
        pane.signal(signal.SIGTERM)
        rc, tty_same = pane.wait_exit()
        modes = pane.modes()

    assert rc == -signal.SIGTERM
    assert not tty_same
    assert modes["mouse_any_flag"] == "1"
    assert modes["alternate_on"] == "1"


@pytest.mark.parametrize(
    ("how", "code"),
    [
        ("C-q", 0),
        ("SIGTERM", 128 + signal.SIGTERM),
        ("SIGHUP", 128 + signal.SIGHUP),
        ("SIGQUIT", 128 + signal.SIGQUIT),
        ("x", 1),  # exception in a key handler
        ("w", 1),  # exception in a thread worker
    ],
)
def test_guarded_app_restores_the_terminal(tmp_path, how, code):
    """Quit, crash or signal: no mouse, paste, alt screen; tty modes back."""
    with start(tmp_path, GUARDED, "GUARDED-READY") as pane:
        if how.startswith("SIG"):
            pane.signal(getattr(signal, how))
        elif len(how) == 1:
            pane.type(how)
        else:
            pane.keys(how)
        rc, tty_same = pane.wait_exit()

        assert (rc, tty_same) == (code, True)
        assert f"RC={code}" in pane.screen()
        pane.assert_clean()


@pytest.mark.parametrize("how", ["C-q", "SIGTERM"])
def test_a_hanging_worker_does_not_delay_the_exit(tmp_path, how):
    """A check blocked on a dead server must not keep the process alive."""
    with start(tmp_path, GUARDED, "GUARDED-READY") as pane:
        pane.type("h")
        pane.wait_for("HANGING")
        began = time.monotonic()
        if how == "C-q":
            pane.keys("C-q")
        else:
            pane.signal(signal.SIGTERM)
        rc, tty_same = pane.wait_exit()
        took = time.monotonic() - began

        assert tty_same and rc in (0, 128 + signal.SIGTERM)
        assert took < terminal.CLEAN_EXIT_GRACE
        pane.assert_clean()


def test_the_watchdog_restores_when_the_clean_exit_stalls(tmp_path):
    """If shutdown never finishes, the guard resets the tty and ends the process."""
    with start(tmp_path, GUARDED, "GUARDED-READY") as pane:
        pane.type("s")
        pane.wait_for("STALLING")
        began = time.monotonic()
        pane.signal(signal.SIGTERM)
        rc, tty_same = pane.wait_exit(timeout=terminal.CLEAN_EXIT_GRACE + 10)
        took = time.monotonic() - began

        assert (rc, tty_same) == (128 + signal.SIGTERM, True)
        assert terminal.CLEAN_EXIT_GRACE <= took < terminal.CLEAN_EXIT_GRACE + 5
        pane.assert_clean()


def run_in_pty_and_hang_up(argv: list[str], marker: bytes) -> tuple[int, float]:
    """Run argv on a fresh pty, close the master like a dropped SSH session."""
    pid, master = pty.fork()
    if pid == 0:  # pragma: no cover - the child
        os.execv(argv[0], argv)
    seen = b""
    deadline = time.monotonic() + 20
    while marker not in seen:
        assert time.monotonic() < deadline, f"never drew {marker!r}: {seen[-300:]!r}"
        ready, _, _ = select.select([master], [], [], 0.2)
        if ready:
            seen += os.read(master, 65536)
    os.close(master)
    began = time.monotonic()
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status), time.monotonic() - began
        if time.monotonic() - began > 15:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            raise AssertionError("the app kept running after its terminal hung up")
        time.sleep(0.02)


def test_a_real_hangup_ends_the_app_promptly():
    """Closing the pty (the SSH connection dropped) ends the guarded app."""
    code, took = run_in_pty_and_hang_up(
        [sys.executable, str(GUARDED)], b"GUARDED-READY"
    )
    assert code in (128 + signal.SIGHUP, 1)
    assert took < terminal.CLEAN_EXIT_GRACE + 1


def test_restore_sequence_switches_off_what_textual_switches_on():
    """Every mode Textual's Linux driver enables is disabled by the reset."""
    import textual.drivers.linux_driver as driver

    source = Path(driver.__file__).read_text()
    enabled = {
        part.split("h")[0]
        for part in source.split("\\x1b[?")[1:]
        if part[:4].isdigit() and part[4:5] == "h"
    }
    assert enabled, "no modes found in Textual's driver"
    for mode in enabled:
        assert f"\x1b[?{mode}l".encode() in terminal.RESTORE_SEQUENCE, mode
    # The kitty keyboard flags Textual pushes are popped too.
    assert b"\x1b[<u" in terminal.RESTORE_SEQUENCE


def test_restore_writes_the_sequence_and_puts_tty_modes_back():
    """TerminalGuard.restore on a real pty: bytes written, termios restored."""
    import termios
    import tty

    master, slave = pty.openpty()
    try:
        guard = terminal.TerminalGuard(fd=slave)
        guard.save()
        saved = termios.tcgetattr(slave)
        tty.setraw(slave)
        assert termios.tcgetattr(slave) != saved
        guard.active = True

        guard.restore_if_active()

        assert termios.tcgetattr(slave) == saved
        assert os.read(master, 4096) == terminal.RESTORE_SEQUENCE
        assert not guard.active
        guard.restore_if_active()  # a second call writes nothing
        ready, _, _ = select.select([master], [], [], 0.1)
        assert not ready
    finally:
        os.close(master)
        os.close(slave)


def test_restore_on_a_closed_tty_does_not_raise():
    """After the SSH session is gone the reset has nowhere to go: no error."""
    master, slave = pty.openpty()
    guard = terminal.TerminalGuard(fd=slave)
    os.close(slave)
    os.close(master)
    guard.active = True
    guard.restore()


@pytest.mark.parametrize(
    ("env", "expected"),
    [
        ({}, None),
        ({"SSH_CONNECTION": "10.0.0.1 5000 10.0.0.2 22"}, "300"),
        ({"SSH_TTY": "/dev/pts/3"}, "300"),
        ({"SSH_CONNECTION": "x", "ESCDELAY": "25"}, "25"),
        ({"ESCDELAY": "500"}, "500"),
    ],
)
def test_escape_delay_is_longer_over_ssh_unless_set(env, expected, monkeypatch):
    """Over SSH a split arrow key needs a longer wait; the user's value wins."""
    monkeypatch.delitem(sys.modules, "textual.constants", raising=False)
    environ = dict(env)
    assert terminal.prefer_ssh_escape_delay(environ) == expected
    assert environ.get("ESCDELAY") == expected


@pytest.mark.parametrize("how", ["C-q", "SIGTERM", "SIGHUP"])
def test_quitting_waits_for_a_write_in_progress(tmp_path, how):
    """A write inside critical_section is finished, never cut between files."""
    out = tmp_path / "out"
    pane = Tmux(tmp_path)
    with pane:
        pane.start([sys.executable, str(GUARDED)], env={"GUARDED_OUT": str(out)})
        pane.wait_for("GUARDED-READY")
        pane.type("c")
        pane.wait_for("WRITING")
        if how == "C-q":
            pane.keys("C-q")
        else:
            pane.signal(getattr(signal, how))
        rc, tty_same = pane.wait_exit()

        assert tty_same
        assert rc in (0, 128 + getattr(signal, how, 0))
        assert (out / "first.txt").read_text() == "first\n"
        assert (out / "second.txt").read_text() == "second\n"
        assert sorted(p.name for p in out.iterdir()) == ["first.txt", "second.txt"]
        pane.assert_clean()


def test_the_wizard_ends_promptly_when_its_terminal_hangs_up(tmp_path, monkeypatch):
    """The installed command on a pty whose master closes (SSH dropped)."""
    from test_tmux_walk import Setup

    setup = Setup(tmp_path)
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    code, took = run_in_pty_and_hang_up(setup.argv(), b"step 1 of 9")
    assert code in (128 + signal.SIGHUP, 1)
    assert took < terminal.CLEAN_EXIT_GRACE + 1
    assert setup.untouched()
