"""Keys and signals on every screen of the installed command, in tmux.

Ctrl+C never quits (Textual: it copies in a field, elsewhere it says how to
quit);
Ctrl+Q quits at once; SIGTERM and SIGHUP end the wizard cleanly. Each leaves
the terminal clean and the target files as they were. Escape never throws
input away, even when it is the first half of a split arrow key, and no
needed key depends on Alt.
"""

from __future__ import annotations

import signal
import time

import pytest
from test_tmux_walk import TITLES, Setup, step_title
from tmuxharness import Tmux

from wizard.model import STEPS

SCREENS = STEPS
# A split escape sequence: the second packet arrives after Textual's default
# 100 ms escape delay, as over a slow SSH link.
SPLIT_GAP = 0.15
# Seconds to let a screen settle before the escape-sequence tests type.
FOCUS_SETTLE = 1.0
SSH_ENV = {"SSH_CONNECTION": "192.0.2.1 50000 192.0.2.2 22"}


def open_screen(pane: Tmux, setup: Setup, screen: str, **env: str) -> None:
    pane.start(setup.argv("--screen", screen), env=setup.env(**env))
    pane.wait_for(step_title(SCREENS.index(screen) + 1))


@pytest.mark.parametrize("screen", SCREENS)
def test_ctrl_c_does_not_quit_and_ctrl_q_quits_cleanly(tmp_path, screen):
    setup = Setup(tmp_path)
    with Tmux(tmp_path, 100, 30) as pane:
        open_screen(pane, setup, screen)
        pane.keys("Escape")
        # A person's Escape and Ctrl+C arrive apart. Sent in one burst, Textual
        # 8.2.8's parser reads ESC + ^C as a typed "^" and then Ctrl+C, which
        # would land in the focused field; wait past the escape delay first.
        time.sleep(0.4)
        pane.keys("C-c")
        # Still running and on this screen: the next key (F1, help) is handled.
        pane.keys("F1")
        pane.wait_for("Keys: Tab", step_title(SCREENS.index(screen) + 1))
        pane.keys("C-q")
        rc, tty_same = pane.wait_exit()

        assert (rc, tty_same) == (0, True)
        pane.assert_clean()
        assert setup.untouched()


@pytest.mark.parametrize(
    ("screen", "signum"),
    [(s, signal.SIGTERM) for s in SCREENS] + [(s, signal.SIGHUP) for s in SCREENS],
    ids=[f"{s}-TERM" for s in SCREENS] + [f"{s}-HUP" for s in SCREENS],
)
def test_signals_leave_terminal_and_files_clean(tmp_path, screen, signum):
    setup = Setup(tmp_path)
    with Tmux(tmp_path, 100, 30) as pane:
        open_screen(pane, setup, screen)
        pane.signal(signum)
        rc, tty_same = pane.wait_exit()

        assert (rc, tty_same) == (128 + signum, True)
        pane.assert_clean()
        assert setup.untouched()


def type_into_url(pane: Tmux, setup: Setup, **env: str) -> None:
    """Open Registration (focus on the URL field) and type after the URL."""
    open_screen(pane, setup, "registration", **env)
    url = "https://gitlab.example.com"
    pane.wait_for(url)
    # Keys sent as the screen opens are covered by
    # test_keys_typed_as_a_screen_opens_are_kept; these tests are about
    # escape sequences, so they let the screen settle first.
    time.sleep(FOCUS_SETTLE)
    pane.keys("End")
    pane.type("/typed")
    pane.wait_for(url + "/typed")


def test_split_arrow_key_keeps_typed_input(tmp_path):
    """ESC, 150 ms, then "[A": at the default delay it is Escape plus two
    characters; the Escape must not discard or leave the screen."""
    setup = Setup(tmp_path)
    with Tmux(tmp_path, 100, 30) as pane:
        type_into_url(pane, setup)
        pane.raw(b"\x1b")
        time.sleep(SPLIT_GAP)
        pane.raw(b"[A")
        shot = pane.wait_for("https://gitlab.example.com/typed[A")
        assert step_title(2) in shot


def test_split_arrow_key_over_ssh_stays_one_key(tmp_path):
    """Over SSH the wizard waits longer for the rest of a sequence: one Up key."""
    setup = Setup(tmp_path)
    with Tmux(tmp_path, 100, 30) as pane:
        type_into_url(pane, setup, **SSH_ENV)
        pane.raw(b"\x1b")
        time.sleep(SPLIT_GAP)
        pane.raw(b"[A")
        # A key typed afterwards lands right after the URL: nothing in between.
        pane.type("!")
        shot = pane.wait_for("https://gitlab.example.com/typed!")
        assert "[A" not in shot
        assert step_title(2) in shot


def kubeconfig_editor(pane: Tmux, setup: Setup, **env: str) -> None:
    open_screen(pane, setup, "cluster", **env)
    time.sleep(FOCUS_SETTLE)
    pane.type("first: 1")
    pane.wait_for("first: 1")


@pytest.mark.parametrize("split", [False, True], ids=["together", "split"])
def test_alt_enter_as_esc_prefix_adds_a_line(tmp_path, split):
    """ESC CR (Alt+Enter from an ESC-prefix terminal) in the multi-line editor:
    a new line, never a lost edit or a step change."""
    setup = Setup(tmp_path)
    with Tmux(tmp_path, 100, 30) as pane:
        kubeconfig_editor(pane, setup)
        if split:
            pane.raw(b"\x1b")
            time.sleep(SPLIT_GAP)
            pane.raw(b"\r")
        else:
            pane.raw(b"\x1b\r")
        pane.type("second: 2")
        shot = pane.wait_for("second: 2")
        lines = shot.splitlines()
        first = next(i for i, line in enumerate(lines) if "first: 1" in line)
        assert "second: 2" in lines[first + 1], shot
        assert step_title(3) in shot


def test_keys_typed_as_a_screen_opens_are_kept(tmp_path):
    """Keys sent the moment a step is drawn (a fast typist, or keys batched by
    a slow link) reach its first field, and do not replace the value there."""
    setup = Setup(tmp_path)
    with Tmux(tmp_path, 100, 30) as pane:
        open_screen(pane, setup, "registration")
        pane.keys("End")
        pane.type("/x")
        pane.wait_for("https://gitlab.example.com/x")


def test_escape_on_a_filled_screen_changes_nothing(tmp_path):
    """Escape pressed repeatedly keeps the screen and what was typed."""
    setup = Setup(tmp_path)
    with Tmux(tmp_path, 100, 30) as pane:
        type_into_url(pane, setup)
        for _ in range(3):
            pane.keys("Escape")
        pane.type("!")
        shot = pane.wait_for("https://gitlab.example.com/typed!")
        assert step_title(2) in shot


def test_no_binding_needs_alt():
    """Every binding of the app and its screens works without Alt."""
    from screens.app import WizardApp, screen_classes
    from screens.done import DoneScreen

    classes = [WizardApp, DoneScreen, *screen_classes().values()]
    keys = []
    for cls in classes:
        for klass in cls.__mro__:
            for binding in getattr(klass, "BINDINGS", []) or []:
                key = binding.key if hasattr(binding, "key") else binding[0]
                keys.extend(k.strip() for k in key.split(","))
    assert keys, "no bindings found"
    assert [k for k in keys if "alt+" in k or "meta+" in k] == []


def test_every_title_is_reachable_by_name():
    """The screen names used above are the app's steps, in order."""
    from wizard.model import STEPS

    assert tuple(STEPS) == SCREENS
    assert len(TITLES) == len(SCREENS)
