"""Every server of a screen hangs: each check ends at its timeout; the UI never waits."""

from __future__ import annotations

import asyncio
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from servers.answers import FAST, answers_for, token_kubeconfig
from servers.base import HangServer

from wizard.checks import ERROR, Timeouts, checks_for
from wizard.model import STEPS
from wizard.secret import Secret

pytest_plugins = ["servers.fixtures"]
pytestmark = pytest.mark.usefixtures("loopback_only")

SLACK = 1.0  # thread start-up and a loaded 2-core machine


def hung_answers(hang: HangServer, pki) -> object:
    """Answers whose every endpoint is the hanging server."""
    a = answers_for(gitlab=hang, kube_config=token_kubeconfig(pki, hang))
    a.registration.token = Secret("glrt-t3stRunnerToken4567890xyz")
    a.endpoints.sts = a.endpoints.eci = a.endpoints.vpc = a.endpoints.oss = hang.url
    a.images.mirror = hang.url
    a.images.helper_image = f"{hang.hostport}/ci/helper"
    a.images.runner_version = "17.3.1"
    a.cluster.vpc_id = "vpc-test0001"
    a.cluster.vswitch_ids = ["vsw-a"]
    a.review.apply = True
    return a


def test_every_check_of_every_step_ends_at_its_timeout(pki, tmp_path):
    with HangServer() as hang:
        a = hung_answers(hang, pki)
        a.target.config = str(tmp_path / "config.toml")
        for step in STEPS:
            checks = checks_for(step, a)
            if step != "target":
                assert checks, f"{step} has no check to hang"
            started = time.monotonic()
            with ThreadPoolExecutor(max_workers=max(1, len(checks))) as pool:
                results = list(pool.map(lambda c: c.run(a, FAST), checks))
            elapsed = time.monotonic() - started
            # The step's checks run concurrently: the step ends after one total.
            assert elapsed < FAST.total + SLACK, f"{step} took {elapsed:.1f}s"
            for check, result in zip(checks, results, strict=True):
                assert result.status == ERROR, (check.name, result)
                assert (
                    "did not answer" in result.message
                    or "no answer within" in result.message
                ), (check.name, result.message)


# Long enough that waiting for the network and answering at once cannot be
# confused on a loaded machine, short enough to keep the test quick.
UI = Timeouts(connect=0.5, total=4.0)


@pytest.mark.parametrize(
    ("step", "away", "back"),
    [("registration", "up", "down"), ("cluster", "down", "up")],
)
async def test_ui_moves_at_once_while_checks_hang(pki, tmp_path, step, away, back):
    """Pilot: a screen's checks hang; fields and screens change at once."""
    from screens.app import create_app
    from screens.terminal import DaemonExecutor
    from screens.widgets import CheckPanel
    from wizard.options import Options

    async def timed(*keys: str) -> float:
        started = time.monotonic()
        await pilot.press(*keys)
        await pilot.pause()
        return time.monotonic() - started

    # The installed command runs each worker in its own daemon thread
    # (screens.terminal.run_guarded); Pilot would share a pool of six, where
    # the first visit's hung attempts hold back the second visit's checks.
    asyncio.get_running_loop().set_default_executor(DaemonExecutor())

    with HangServer() as hang:
        a = hung_answers(hang, pki)
        a.target.config = str(tmp_path / "config.toml")
        app = create_app(a, Options(timeouts=UI, screen=step))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            assert step == app.screen.STEP
            panel = app.screen.query_one(CheckPanel)
            names = [c.name for c in checks_for(step, a) if not c.on_confirm_only]
            assert all("running" in panel.row_text(n) for n in names)

            # Each move ends well before the hanging checks' timeout; the side
            # list jumps even while a step is incomplete.
            limit = UI.total * 0.75  # waiting for the network would take UI.total
            for keys in (("tab",), ("tab",), ("ctrl+g", away, "enter")):
                moved = await timed(*keys)
                assert moved < limit, f"{keys} waited {moved:.2f}s"
            assert step != app.screen.STEP
            moved = await timed("ctrl+g", back, "enter")
            assert moved < limit, f"coming back waited {moved:.2f}s"
            assert step == app.screen.STEP

            # The re-entered screen's checks end at their timeout with a clear line.
            panel = app.screen.query_one(CheckPanel)
            deadline = time.monotonic() + UI.total + SLACK + 1
            while time.monotonic() < deadline:
                if all(": error." in panel.row_text(n) for n in names):
                    break
                await pilot.pause(0.1)
            for name in names:
                text = panel.row_text(name)
                assert ": error." in text, text
                assert "did not answer" in text or "no answer within" in text, text
