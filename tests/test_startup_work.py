"""What start-up leaves out or puts off, and that nothing is lost by it.

The first screen is built with as few widgets as it needs (bench/run.py
measures the time): fields that do not apply yet are built when first shown,
the step list and the check panel are one widget each, and garbage collection
waits until the first screen is drawn.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

from test_screens import app_at, field
from textual.widgets import Input

from screens.marks import mark
from screens.testing import choose, type_into
from screens.widgets import CheckPanel, StepList

ROOT = Path(__file__).resolve().parents[1]


def run_python(code: str, tmp_path: Path) -> dict:
    """Run `code` in a fresh interpreter (collector state is per process)."""
    proc = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code), str(tmp_path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_collection_resumes_once_the_first_screen_is_drawn(tmp_path):
    """Paused as `main` pauses it, collection is back on (start-up frozen) after the first frame."""
    result = run_python(
        """
        import asyncio, gc, json, sys
        from screens.app import create_app
        from wizard.model import Answers
        from wizard.options import Options

        async def main():
            gc.disable()
            out = sys.argv[1]
            options = Options(offline=True, config=out + "/config.toml", out_dir=out + "/o")
            app = create_app(Answers(), options)
            async with app.run_test(size=(80, 24)) as pilot:
                paused_at_start = not gc.isenabled()
                await pilot.pause()
                await pilot.pause()
                return {
                    "paused_at_start": paused_at_start,
                    "enabled": gc.isenabled(),
                    "frozen": gc.get_freeze_count(),
                    "screen": type(app.screen).__name__,
                }

        print(json.dumps(asyncio.run(main())))
        """,
        tmp_path,
    )
    assert result["screen"] == "TargetScreen"
    assert result["paused_at_start"]
    assert result["enabled"], "collection stayed off after the first screen"
    assert result["frozen"] > 10_000, "start-up's objects were not set aside"


def test_every_path_through_main_turns_collection_back_on(tmp_path):
    """The answers-file path (here refused at once) leaves the collector on."""
    result = run_python(
        """
        import gc, json, sys
        from wizard.cli import main

        missing = sys.argv[1] + "/no-such-answers.toml"
        code = main(["--answers", missing, "--yes", "--offline"])
        print(json.dumps({"code": code, "enabled": gc.isenabled()}))
        """,
        tmp_path,
    )
    assert result["code"] == 2
    assert result["enabled"]


async def test_a_field_that_does_not_apply_is_built_when_first_shown():
    """The entry name appears with "edit"; typed text is kept when it hides and shows."""
    app = app_at("target")
    async with app.run_test(size=(80, 24)) as pilot:
        runner = field(app, "target.runner")
        assert not runner.display
        assert not runner.query(Input), "a hidden field got its control anyway"
        await choose(pilot, "f-target-mode", "edit")
        await pilot.pause()
        assert runner.display and runner.built
        await type_into(pilot, "f-target-runner", "ask-ci")
        assert app.answers.target.runner == "ask-ci"
        assert "The value of name" in str(runner.query_one(".help").content)
        await choose(pilot, "f-target-mode", "new")
        await pilot.pause()
        assert not runner.display
        await choose(pilot, "f-target-mode", "edit")
        await pilot.pause()
        assert runner.query_one(Input).value == "ask-ci"


async def test_a_value_set_while_hidden_shows_when_the_field_is_built():
    """A fact found by a check may fill a field nobody sees yet; its control starts with it."""
    app = app_at("target")
    async with app.run_test(size=(80, 24)) as pilot:
        runner = field(app, "target.runner")
        app.answers.target.runner = "found-entry"
        app.screen.show_value("target.runner")
        await choose(pilot, "f-target-mode", "edit")
        await pilot.pause()
        assert runner.query_one(Input).value == "found-entry"


async def test_the_step_list_answers_a_click():
    """A click on a step's line opens that step, as Enter does."""
    app = app_at("target")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.click(StepList, offset=(2, 2))  # the third line: Cluster
        await pilot.pause()
        assert app.screen.STEP == "cluster"
        steps = app.screen.query_one(StepList)
        assert steps.prompt_of("cluster").startswith(mark("current"))
        assert not steps.prompt_of("target").startswith(mark("current"))


async def test_check_rows_fold_and_unfold_in_one_widget():
    """Quiet rows fold into the title; a failing one brings every row back."""
    app = app_at("registration")
    async with app.run_test(size=(80, 24)) as pilot:
        panel = app.screen.query_one(CheckPanel)
        panel.set_rows([("a", "Alpha", "ok", ""), ("b", "Beta", "ok", "")])
        await pilot.pause()
        assert str(panel.content).splitlines() == ["Live checks: 2 ok"]
        panel.update_row("b", "Beta", "error", "refused")
        await pilot.pause()
        lines = str(panel.content).splitlines()
        assert lines[0] == "Live checks"
        assert lines[1:] == [panel.row_text("a"), panel.row_text("b")]
        assert "Beta: error. refused" in lines[2]
        assert panel.row_text("missing") == ""


def test_a_client_library_import_is_frozen_and_collection_stays_on(tmp_path):
    """A check's first import sets the library's objects aside, so later passes skip them."""
    result = run_python(
        """
        import gc, json, sys
        from wizard.checks import registry

        before = gc.get_freeze_count()
        registry._preload("gitlab")
        loaded = "httpx" in sys.modules
        after_first = gc.get_freeze_count()
        registry._preload("gitlab")  # loaded already: nothing more to set aside
        print(json.dumps({
            "loaded": loaded,
            "enabled": gc.isenabled(),
            "grew": after_first - before,
            "again": gc.get_freeze_count() - after_first,
        }))
        """,
        tmp_path,
    )
    assert result["loaded"]
    assert result["enabled"]
    assert result["grew"] > 1000
    assert result["again"] == 0
