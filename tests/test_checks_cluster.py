"""Cluster checks against a local Kubernetes API over HTTPS (cert and token auth)."""

from __future__ import annotations

import json
import stat

import pytest
import yaml
from servers.answers import (
    ADMIN_TOKEN,
    FAST,
    answers_for,
    cert_kubeconfig,
    token_kubeconfig,
)
from servers.kube import kubeconfig

from wizard.checks import ERROR, OK, WARNING, checks_for
from wizard.checks.cluster import create_namespace
from wizard.secret import Secret

pytest_plugins = ["servers.fixtures"]
pytestmark = pytest.mark.usefixtures("loopback_only")


def run(step, a, name):
    """Run one check of a step through the public contract."""
    (check,) = [c for c in checks_for(step, a) if c.name == name]
    return check.run(a, FAST)


def test_version_and_identity_with_client_certificate(kube, pki):
    a = answers_for(kube_config=cert_kubeconfig(pki, kube))
    version = run("cluster", a, "cluster.version")
    assert version.status == OK and "v1.30.1-aliyun.1" in version.message
    who = run("cluster", a, "cluster.identity")
    assert who.status == OK and who.facts["identity"] == "runner-admin"


def test_identity_with_bearer_token(kube, pki):
    a = answers_for(kube_config=token_kubeconfig(pki, kube))
    assert run("cluster", a, "cluster.identity").facts["identity"] == "ci-bot"


def test_kubeconfig_from_path(kube, pki, tmp_path):
    path = tmp_path / "kubeconfig"
    path.write_text(token_kubeconfig(pki, kube))
    a = answers_for()
    a.cluster.kubeconfig_path = str(path)
    assert run("cluster", a, "cluster.version").status == OK


def test_anonymous_is_an_error(kube, pki):
    a = answers_for(kube_config=kubeconfig(kube.url, pki.ca_pem()))
    result = run("cluster", a, "cluster.identity")
    assert result.status == ERROR and "anonymously" in result.message


def test_wrong_token_is_401(kube, pki):
    a = answers_for(kube_config=token_kubeconfig(pki, kube, token="nope"))
    result = run("cluster", a, "cluster.version")
    assert result.status == ERROR and "401" in result.message


def test_missing_namespace_then_created(kube, pki):
    a = answers_for(kube_config=cert_kubeconfig(pki, kube))
    a.cluster.namespace = "gitlab-jobs"
    result = run("cluster", a, "cluster.namespace")
    assert result.status == ERROR and result.facts["namespace_missing"]
    assert "kubectl create namespace gitlab-jobs" in result.message
    assert create_namespace(a, FAST) == "namespace gitlab-jobs created"
    assert run("cluster", a, "cluster.namespace").status == OK


def test_all_permissions_granted(kube, pki):
    a = answers_for(kube_config=token_kubeconfig(pki, kube))
    assert run("cluster", a, "cluster.permissions").status == OK


def test_missing_permissions_are_listed(kube, pki):
    kube.app.grant_runner(
        "ci-bot", skip=(("list", "pods"), ("watch", "pods"), ("create", "pods/exec"))
    )
    a = answers_for(kube_config=token_kubeconfig(pki, kube))
    result = run("cluster", a, "cluster.permissions")
    assert result.status == ERROR
    assert "pods: list, watch; pods/exec: create" in result.message
    assert result.facts["missing_permissions"] == {
        "pods": ["list", "watch"],
        "pods/exec": ["create"],
    }


def test_detects_ask_with_region_vpc_vswitches(kube, pki):
    a = answers_for(kube_config=cert_kubeconfig(pki, kube))
    result = run("cluster", a, "cluster.kind")
    assert result.status == OK
    assert result.facts["kind"] == "ask"
    assert result.facts["region"] == "cn-hangzhou"
    assert result.facts["vpc_id"] == "vpc-test0001"
    assert result.facts["vswitch_ids"] == ["vsw-a", "vsw-b"]


def test_detects_acs_and_warns_on_other_answer(kube, pki):
    kube.app.make_acs()
    a = answers_for(kube_config=cert_kubeconfig(pki, kube))
    result = run("cluster", a, "cluster.kind")
    assert result.status == WARNING and result.facts["kind"] == "acs"
    assert result.facts["region"] == "cn-shanghai"


def test_detects_ack_with_virtual_nodes(kube, pki):
    kube.app.make_ack_virtual()
    a = answers_for(kube_config=cert_kubeconfig(pki, kube))
    a.cluster.kind = "ack-eci"
    result = run("cluster", a, "cluster.kind")
    assert result.status == OK and result.facts["kind"] == "ack-eci"
    assert result.facts["vswitch_ids"] == ["vsw-d"]


def test_detects_other(kube, pki):
    kube.app.configmaps.clear()
    kube.app.nodes = [kube.app._node("node-1", virtual=False)]
    kube.app.git_version = "v1.29.0"
    a = answers_for(kube_config=cert_kubeconfig(pki, kube))
    a.cluster.kind = "other"
    result = run("cluster", a, "cluster.kind")
    assert result.status == OK and result.facts["kind"] == "other"


def test_exec_plugin_missing_is_named(kube, pki):
    text = kubeconfig(kube.url, pki.ca_pem(), exec_command="aliyun-cli-not-installed")
    result = run("cluster", answers_for(kube_config=text), "cluster.version")
    assert result.status == ERROR
    assert "'aliyun-cli-not-installed' is not installed" in result.message


def test_exec_plugin_token(kube, pki, tmp_path):
    plugin = tmp_path / "fake-credential-plugin"
    credential = {
        "apiVersion": "client.authentication.k8s.io/v1beta1",
        "kind": "ExecCredential",
        "status": {"token": ADMIN_TOKEN},
    }
    plugin.write_text(f"#!/bin/sh\necho '{json.dumps(credential)}'\n")
    plugin.chmod(plugin.stat().st_mode | stat.S_IXUSR)
    text = kubeconfig(kube.url, pki.ca_pem(), exec_command=str(plugin))
    result = run("cluster", answers_for(kube_config=text), "cluster.identity")
    assert result.status == OK and result.facts["identity"] == "ci-bot"


@pytest.mark.parametrize("current", ["", None])
def test_no_current_context_asks_to_pick(kube, pki, current):
    data = yaml.safe_load(token_kubeconfig(pki, kube))
    data["contexts"].append(
        {"name": "other", "context": {"cluster": "local", "user": "me"}}
    )
    if current is None:
        del data["current-context"]
    else:
        data["current-context"] = current
    a = answers_for(kube_config=yaml.safe_dump(data))
    result = run("cluster", a, "cluster.version")
    assert result.status == ERROR and "pick a context: test, other" in result.message
    a.cluster.context = "other"
    assert run("cluster", a, "cluster.version").status == OK


def test_kubeconfig_secret_never_in_result(kube, pki):
    a = answers_for(kube_config=token_kubeconfig(pki, kube, token="s3cr3t-token-value"))
    for check in checks_for("cluster", a):
        result = check.run(a, FAST)
        assert "s3cr3t-token-value" not in result.message
        assert "s3cr3t-token-value" not in repr(result.facts)
    assert isinstance(a.cluster.kubeconfig, Secret)


def test_client_key_copies_stay_private(kube, pki):
    """The client writes the embedded key to a file: only in a 0700 folder, as 0600."""
    import os

    from wizard.checks.cluster import _key_dir

    a = answers_for(kube_config=cert_kubeconfig(pki, kube, cn="runner-admin"))
    a.cluster.namespace = "kube-system"  # a fresh client for this kubeconfig
    assert run("cluster", a, "cluster.version").status == OK
    folder = _key_dir()
    assert stat.S_IMODE(os.stat(folder).st_mode) == 0o700
    files = os.listdir(folder)
    assert files
    for name in files:
        assert stat.S_IMODE(os.stat(os.path.join(folder, name)).st_mode) == 0o600
