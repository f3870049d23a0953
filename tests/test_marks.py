"""Text marks fall back to ASCII when the locale cannot show UTF-8."""

from __future__ import annotations

import pytest

from screens import marks


@pytest.mark.parametrize("state", sorted(marks._UNICODE))
def test_every_mark_has_an_ascii_fallback(monkeypatch, state):
    """Under LANG=C every mark, the title separator included, is plain ASCII."""
    for name in ("LC_ALL", "LC_CTYPE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C")
    assert marks.mark(state).isascii()
    monkeypatch.setenv("LANG", "C.UTF-8")
    assert marks.mark(state) == marks._UNICODE[state]


async def test_title_separator_is_ascii_under_lang_c(monkeypatch, tmp_path):
    """The step title uses the ASCII separator under LANG=C."""
    from textual.widgets import Static

    from screens.app import create_app
    from wizard.model import Answers
    from wizard.options import Options

    for name in ("LC_ALL", "LC_CTYPE"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C")
    options = Options(
        offline=True,
        screen="spot",
        config=str(tmp_path / "etc" / "config.toml"),
        out_dir=str(tmp_path / "out"),
    )
    app = create_app(Answers(), options)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        title = str(app.screen.query_one("#title", Static).content)
    assert title == "ask-runner-wizard - step 6 of 9: Spot"
