"""Image checks against a local Docker Registry v2 with token auth."""

from __future__ import annotations

import pytest
from servers.answers import FAST, answers_for
from servers.base import App, LocalServer

from wizard.checks import ERROR, OK, WARNING, checks_for
from wizard.checks.images import split_image

pytest_plugins = ["servers.fixtures"]
pytestmark = pytest.mark.usefixtures("loopback_only")

REPO = "ci/gitlab-runner-helper"


def run(a, name):
    (check,) = [c for c in checks_for("images", a) if c.name == name]
    return check.run(a, FAST)


def _answers(registry, tag=""):
    a = answers_for()
    a.images.helper_image = f"{registry.hostport}/{REPO}" + (f":{tag}" if tag else "")
    a.images.runner_version = "17.3.1"
    a.images.mirror = registry.url
    return a


def test_split_image():
    assert split_image("node:20") == ("registry-1.docker.io", "library/node", "20")
    assert split_image(
        "registry-vpc.cn-hangzhou.aliyuncs.com/ns/helper:x86_64-v17.3.1"
    ) == (
        "registry-vpc.cn-hangzhou.aliyuncs.com",
        "ns/helper",
        "x86_64-v17.3.1",
    )
    assert split_image("127.0.0.1:5000/a/b") == ("127.0.0.1:5000", "a/b", "")


def test_mirror_and_registry_answer_401_as_alive(registry):
    a = _answers(registry)
    assert run(a, "images.mirror").status == OK
    assert run(a, "images.registry").status == OK


def test_not_a_registry():
    with LocalServer(App()) as other:
        a = answers_for()
        a.images.mirror = other.url
        result = run(a, "images.mirror")
    assert result.status == ERROR and "not a registry API" in result.message


def test_helper_tag_found_through_token_challenge(registry):
    registry.app.tags.add((REPO, "x86_64-v17.3.1"))
    result = run(_answers(registry), "images.helper_tag")
    assert result.status == OK, result.message
    assert registry.app.tokens  # the anonymous token dance happened


def test_helper_tag_missing_names_the_copy(registry):
    registry.app.tags.add((REPO, "x86_64-v17.2.0"))
    result = run(_answers(registry), "images.helper_tag")
    assert result.status == ERROR
    assert "x86_64-v17.3.1 is not in the registry" in result.message
    assert "docker pull" in result.message


def test_helper_tag_for_another_version_warns(registry):
    registry.app.tags.add((REPO, "x86_64-v17.2.0"))
    result = run(_answers(registry, tag="x86_64-v17.2.0"), "images.helper_tag")
    assert result.status == WARNING and "needs tag x86_64-v17.3.1" in result.message


def test_arm64_tag(registry):
    registry.app.tags.add((REPO, "arm64-v17.3.1"))
    a = _answers(registry)
    a.images.arch = "arm64"
    assert run(a, "images.helper_tag").status == OK
