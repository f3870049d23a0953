"""The screens' live checks against a local GitLab: debounce, go-ahead, stale results."""

from __future__ import annotations

import time

import pytest
from servers.answers import FAST
from servers.base import HangServer
from textual.css.query import NoMatches

from screens.app import create_app
from screens.base import DEBOUNCE
from screens.testing import type_into
from screens.widgets import CheckPanel
from wizard.checks import Timeouts
from wizard.model import Answers
from wizard.options import Options

pytest_plugins = ["servers.fixtures"]
pytestmark = pytest.mark.usefixtures("loopback_only")

GLRT = "glrt-t3stRunnerToken4567890xyz"  # a token the local GitLab knows


def online_app(tmp_path, timeouts: Timeouts = FAST) -> object:
    answers = Answers()
    # The verify check keeps the runner's system id beside config.toml.
    answers.target.config = str(tmp_path / "config.toml")
    options = Options(offline=False, screen="registration", timeouts=timeouts)
    return create_app(answers, options)


def row(app, name: str) -> str:
    """The check's line, or "" while the step does not list it yet (debounce)."""
    try:
        return app.screen.query_one(CheckPanel).row_text(name)
    except NoMatches:
        return ""


async def wait_for(pilot, predicate, timeout: float = 6.0) -> None:
    """Let the app run until `predicate()` holds; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        await pilot.pause(0.05)
    raise AssertionError("timed out waiting for the screen")


async def test_check_runs_once_typing_stops(gitlab, tmp_path):
    """The GitLab check starts after the debounce, off the UI thread, and shows why."""
    app = online_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "f-registration-url", gitlab.url)
        await wait_for(pilot, lambda: "gitlab.api" in app.results)
        text = row(app, "gitlab.api")
        assert "GitLab API answers" in text
        assert app.results["gitlab.api"][1].status in ("ok", "warning")
        assert app.results["gitlab.api"][1].status in text


async def test_verify_runs_only_on_the_go_ahead(gitlab, tmp_path):
    """A glrt- token is verified once, on Ctrl+R, never on a keystroke."""
    app = online_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await type_into(pilot, "f-registration-url", gitlab.url)
        await type_into(pilot, "f-registration-token", GLRT)
        await pilot.pause(DEBOUNCE + 0.5)
        assert "Ctrl+R" in row(app, "gitlab.verify")
        assert gitlab.app.managers == []

        await pilot.press("ctrl+r")
        await wait_for(pilot, lambda: "gitlab.verify" in app.results)
        assert app.results["gitlab.verify"][1].status == "ok"
        assert len(gitlab.app.managers) == 1
        assert GLRT not in row(app, "gitlab.verify")


async def test_a_stale_result_never_replaces_a_newer_one(gitlab, tmp_path):
    """A check of the old URL that times out later is ignored once the URL changed."""
    app = online_app(tmp_path)
    with HangServer() as hang:
        async with app.run_test(size=(80, 24)) as pilot:
            await type_into(pilot, "f-registration-url", hang.url)
            await wait_for(pilot, lambda: "running" in row(app, "gitlab.api"))
            await type_into(pilot, "f-registration-url", gitlab.url)
            await wait_for(pilot, lambda: "gitlab.api" in app.results)
            fresh = row(app, "gitlab.api")
            # Past the hung check's own timeout: its error must not show up.
            await pilot.pause(FAST.total + 0.5)
            assert row(app, "gitlab.api") == fresh
            assert "did not answer" not in fresh and "no answer" not in fresh


async def test_leaving_the_screen_drops_running_checks(tmp_path):
    """A hanging check does not hold the screen; its late result lands nowhere."""
    # A check that hangs for 4 s: moving on must take far less than that.
    slow = Timeouts(connect=4.0, total=4.0)
    app = online_app(tmp_path, slow)
    with HangServer() as hang:
        async with app.run_test(size=(80, 24)) as pilot:
            await type_into(pilot, "f-registration-url", hang.url)
            await wait_for(pilot, lambda: "running" in row(app, "gitlab.api"))
            started = time.monotonic()
            await pilot.press("ctrl+g", "down", "enter")
            await pilot.pause()
            assert app.screen.STEP == "cluster"
            assert time.monotonic() - started < slow.total / 2
            await pilot.pause(slow.total + 0.5)
            assert "gitlab.api" not in app.results


async def test_missing_namespace_is_offered_and_created(kube, pki, tmp_path):
    """The cluster screen offers to create a missing namespace, then checks it again."""
    from servers.answers import cert_kubeconfig

    from screens.testing import focus, paste_into

    answers = Answers()
    answers.target.config = str(tmp_path / "config.toml")
    options = Options(offline=False, screen="cluster", timeouts=FAST)
    app = create_app(answers, options)
    async with app.run_test(size=(80, 24)) as pilot:
        await paste_into(pilot, "f-cluster-kubeconfig", cert_kubeconfig(pki, kube))
        await type_into(pilot, "f-cluster-namespace", "gitlab-jobs")

        def namespace_result() -> str:
            found = app.results.get("cluster.namespace")
            return (
                found[1].status if found and "gitlab-jobs" in found[1].message else ""
            )

        await wait_for(pilot, namespace_result, timeout=15)
        assert namespace_result() == "error"
        button = app.screen.query_one("#create-namespace")
        assert button.display and "gitlab-jobs" in str(button.label)

        del app.results["cluster.namespace"]
        await focus(pilot, "create-namespace")
        await pilot.press("enter")
        await wait_for(pilot, lambda: "gitlab-jobs" in kube.app.namespaces, timeout=15)
        await wait_for(pilot, namespace_result, timeout=15)
        assert namespace_result() == "ok"
        assert not button.display


async def test_apply_is_offered_only_online(tmp_path):
    """The review's "apply the manifests" choice needs the cluster: hidden offline."""
    from screens.widgets import Field

    for offline in (False, True):
        answers = Answers()
        answers.target.config = str(tmp_path / "config.toml")
        app = create_app(answers, Options(offline=offline, screen="review"))
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.pause()
            field = next(
                f for f in app.screen.query(Field) if f.spec.path == "review.apply"
            )
            assert field.display is (not offline)
