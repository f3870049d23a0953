"""Reading kubeconfigs: the real-world cases, and the messages they give."""

from __future__ import annotations

import pytest
import yaml

from wizard import kubeconfig as kc
from wizard.kubeconfig import KubeconfigError, parse_kubeconfig, service_kubeconfig


def read(cases_dir, name: str) -> str:
    return (cases_dir / name).read_text()


@pytest.mark.parametrize(
    "name",
    [
        "10-empty-current-context.kubeconfig.yaml",
        "10-missing-current-context.kubeconfig.yaml",
    ],
)
def test_no_current_context_lists_contexts_to_pick(cases_dir, name):
    info = parse_kubeconfig(read(cases_dir, name))
    assert info.current_context == ""
    assert info.context() is None
    assert info.context_names  # the user picks one of these
    for ctx in info.contexts:
        assert ctx.credential == kc.CERT
        assert ctx.server.startswith("https://192.0.2.")
        assert ctx.errors == () and ctx.warnings == ()


def test_context_names_resolve_to_cluster_and_user(cases_dir):
    info = parse_kubeconfig(read(cases_dir, "10-empty-current-context.kubeconfig.yaml"))
    assert info.context_names == ["prod", "staging"]
    staging = info.context("staging")
    assert (staging.cluster, staging.user, staging.server) == (
        "ask-staging",
        "ci-admin-staging",
        "https://192.0.2.11:6443",
    )


def test_case_13_gives_three_separate_warnings(cases_dir):
    ctx = parse_kubeconfig(
        read(cases_dir, "13-user-empty-insecure.kubeconfig.yaml")
    ).context()
    assert ctx is not None and ctx.credential == kc.NONE
    assert len(ctx.warnings) == 3
    plain, insecure, empty = ctx.warnings
    assert "plain HTTP" in plain
    assert "TLS verification is off" in insecure
    assert "no credentials" in empty and "cannot use it as is" in empty


def test_case_14_names_both_positions_in_the_users_lines(cases_dir):
    with pytest.raises(KubeconfigError) as info:
        parse_kubeconfig(read(cases_dir, "14-list-item-after-key.kubeconfig.yaml"))
    message = str(info.value)
    assert (info.value.line, info.value.column) == (28, 7)
    assert "line 28, column 7" in message and "line 22, column 7" in message
    # Quoted with the value masked: any kubeconfig value may be a secret.
    assert "'- ********'" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", "empty"),
        ("   \n", "empty"),
        ("just a string", "not a kubeconfig"),
        ("- a\n- b\n", "not a kubeconfig"),
        ("kind: Pod\n", "kind is 'Pod'"),
        ("apiVersion: v1\nkind: Config\ncontexts: []\n", "no contexts"),
        ("apiVersion: v1\nkind: Config\n", "no contexts"),
        ("a: [\n", "not valid YAML at line 2"),
        ("a: b\n\tc: d\n", "not valid YAML"),
    ],
)
def test_unusable_kubeconfigs(text, expected):
    with pytest.raises(KubeconfigError) as info:
        parse_kubeconfig(text)
    assert expected in str(info.value)


def test_dangling_references_and_basic_auth_are_context_errors():
    text = yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "c", "cluster": {"server": "https://192.0.2.1"}}],
            "users": [{"name": "u", "user": {"username": "a", "password": "b"}}],
            "contexts": [
                {"name": "one", "context": {"cluster": "c", "user": "nobody"}},
                {"name": "two", "context": {"cluster": "c", "user": "u"}},
            ],
            "current-context": "ghost",
        }
    )
    info = parse_kubeconfig(text)
    assert info.current_context == ""
    assert any("ghost" in w for w in info.warnings)
    assert "'nobody', which is not in users" in info.context("one").errors[0]
    assert "username/password" in info.context("two").errors[0]


def test_exec_and_token_credentials_are_recognised():
    text = yaml.safe_dump(
        {
            "clusters": [{"name": "c", "cluster": {"server": "https://192.0.2.1"}}],
            "users": [
                {"name": "e", "user": {"exec": {"command": "aliyun"}}},
                {"name": "t", "user": {"token": "fake-token"}},
            ],
            "contexts": [
                {"name": "exec", "context": {"cluster": "c", "user": "e"}},
                {"name": "token", "context": {"cluster": "c", "user": "t"}},
            ],
        }
    )
    info = parse_kubeconfig(text)
    assert info.context("exec").credential == kc.EXEC
    assert info.context("token").credential == kc.TOKEN
    single = yaml.safe_load(service_kubeconfig(info, "exec"))
    assert single["current-context"] == "exec"
    assert [c["name"] for c in single["contexts"]] == ["exec"]
    assert single["users"] == [{"name": "e", "user": {"exec": {"command": "aliyun"}}}]


def test_repr_never_shows_credentials(cases_dir):
    info = parse_kubeconfig(read(cases_dir, "10-empty-current-context.kubeconfig.yaml"))
    assert "client-key-data" not in repr(info)
    assert "LS0t" not in repr(info)
