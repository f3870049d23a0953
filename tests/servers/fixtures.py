"""Pytest fixtures that start the local servers (use with pytest_plugins)."""

from __future__ import annotations

import pytest

from servers.aliyun import AliyunApp
from servers.answers import ADMIN_TOKEN, AK_ID, AK_SECRET
from servers.base import LocalServer, TestPKI
from servers.gitlab import GitLabApp
from servers.kube import KubeApp
from servers.oss import OssApp
from servers.registry import RegistryApp


@pytest.fixture(scope="session")
def pki() -> TestPKI:
    return TestPKI()


@pytest.fixture
def gitlab():
    with LocalServer(GitLabApp()) as server:
        yield server


@pytest.fixture
def gitlab_tls(pki):
    with LocalServer(GitLabApp(), tls=pki.server_context()) as server:
        yield server


@pytest.fixture
def kube(pki):
    app = KubeApp()
    app.make_ask()
    app.namespaces.add("ci")
    app.cert_users["runner-admin"] = "runner-admin"
    app.token_users[ADMIN_TOKEN] = "ci-bot"
    app.grants["runner-admin"] = {("*", "*")}
    app.grant_runner("ci-bot")
    # The bot also reads what kind detection and the dry run need.
    app.grants["ci-bot"] |= {
        ("get", "configmaps"),
        ("list", "nodes"),
        ("get", "namespaces"),
        ("create", "persistentvolumes"),
        ("create", "persistentvolumeclaims"),
        ("patch", "secrets"),
        ("patch", "persistentvolumes"),
        ("patch", "persistentvolumeclaims"),
    }
    with LocalServer(app, tls=pki.server_context(client_auth=True)) as server:
        yield server


@pytest.fixture
def aliyun():
    app = AliyunApp({AK_ID: AK_SECRET})
    with LocalServer(app) as server:
        yield server


@pytest.fixture
def oss():
    app = OssApp({AK_ID: AK_SECRET})
    app.add_bucket("ci-cache")
    with LocalServer(app) as server:
        yield server


@pytest.fixture
def registry():
    app = RegistryApp()
    with LocalServer(app) as server:
        app.realm = f"{server.url}/token"
        yield server
