"""Pytest fixtures that start the local servers (use with pytest_plugins)."""

from __future__ import annotations

import pytest

from servers.aliyun import AliyunApp
from servers.answers import ADMIN_TOKEN, AK_ID, AK_SECRET
from servers.base import LocalPKI, LocalServer
from servers.gitlab import GitLabApp
from servers.kube import KubeApp
from servers.oss import OssApp
from servers.registry import RegistryApp


@pytest.fixture(scope="session")
def pki() -> LocalPKI:
    return LocalPKI()


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


_LOOPBACK_NAMES = {"127.0.0.1", "localhost", "::1"}


def _is_loopback(host) -> bool:
    import ipaddress

    host = host.decode() if isinstance(host, bytes) else str(host)
    if host in _LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@pytest.fixture
def loopback_only(monkeypatch):
    """Fail any connection or name lookup that would leave 127.0.0.1.

    A forgotten endpoint override then fails the test instead of reaching a
    real service; a lookup of another name fails as DNS would (EAI_NONAME),
    without a query leaving the machine.
    """
    import socket

    real_getaddrinfo = socket.getaddrinfo
    real_connect = socket.socket.connect
    real_connect_ex = socket.socket.connect_ex
    attempts: list[str] = []

    def getaddrinfo(host, *args, **kwargs):
        if host is not None and not _is_loopback(host):
            attempts.append(f"lookup {host}")
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return real_getaddrinfo(host, *args, **kwargs)

    def guard(address):
        if isinstance(address, tuple) and not _is_loopback(address[0]):
            attempts.append(f"connect {address}")
            raise ConnectionRefusedError(111, "blocked by the test: not loopback")

    def connect(self, address):
        guard(address)
        return real_connect(self, address)

    def connect_ex(self, address):
        guard(address)
        return real_connect_ex(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket.socket, "connect_ex", connect_ex)
    yield attempts
