"""The answers-file run without --offline, every endpoint a local server: end to end."""

from __future__ import annotations

import re
import stat

import pytest
import tomlkit
from servers.answers import cert_kubeconfig

from wizard import cli

pytest_plugins = ["servers.fixtures"]
pytestmark = pytest.mark.usefixtures("loopback_only")

# The example answers file's fake AccessKey, known to the local endpoints.
AK_ID, AK_SECRET = "LTAI5tFAKEwriteupKEYID0", "FAKEwriteupSECRETnotREAL00000"


@pytest.fixture
def live(gitlab, kube, aliyun, oss, registry, pki, tmp_path):
    """Answers changes that point every endpoint of the example at the local servers."""
    aliyun.app.keys[AK_ID] = AK_SECRET
    oss.app.keys[AK_ID] = AK_SECRET
    oss.app.add_bucket("gitlab-runner-cache", users=(AK_ID,))
    aliyun.app.add_nat(
        "vpc-test0001",
        "ngw-1",
        [{"SnatEntryId": "snat-1", "SourceVSwitchId": "vsw-a", "Status": "Available"}],
    )
    kubeconfig = tmp_path / "local.kubeconfig.yaml"
    kubeconfig.write_text(cert_kubeconfig(pki, kube))
    kubeconfig.chmod(0o600)
    changes = {
        "registration.url": gitlab.url,
        "cluster.kubeconfig": {"file": str(kubeconfig)},
        "cluster.context": "test",
        "cluster.vpc_id": "vpc-test0001",
        "cluster.vswitch_ids": ["vsw-a"],
        "images.mirror": registry.url,
        "endpoints.sts": aliyun.url,
        "endpoints.eci": aliyun.url,
        "endpoints.vpc": aliyun.url,
        "endpoints.oss": oss.url,
        "review.apply": True,
    }
    return changes


def _run(path, capsys):
    code = cli.main(["--answers", str(path), "--yes"])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_registers_with_legacy_token_and_applies(
    live, answers_file, gitlab, kube, aliyun, tmp_path, capsys, private_log
):
    path = answers_file(
        {**live, "registration.token": "GR1348941registration"},
        drop=("registration.runner_token",),
    )
    code, out, err = _run(path, capsys)
    assert code == 0, out + err

    # Registered once, with the runner settings of the answers.
    (sent,) = gitlab.app.registered
    assert sent["tag_list"] == "docker,k8s" and sent["locked"] is True
    issued = f"t1_issued{sent['id']:06d}"
    config = (tmp_path / "etc" / "config.toml").read_text()
    assert f'token = "{issued}"' in config
    assert "GR1348941registration" not in config
    assert stat.S_IMODE((tmp_path / "etc" / "config.toml").stat().st_mode) == 0o600

    # Every Alibaba Cloud service was asked, through its local endpoint.
    assert {
        "GetCallerIdentity",
        "DescribeContainerGroupPrice",
        "DescribeNatGateways",
    } <= set(aliyun.app.actions)
    # The manifests: a dry run first, then server-side apply as ask-runner-wizard.
    applied = [
        name for name, manager in kube.app.applied if manager == "ask-runner-wizard"
    ]
    assert applied == [
        "secrets/gitlab-cache-oss",
        "persistentvolumes/gitlab-cache-pv",
        "persistentvolumeclaims/gitlab-cache-pvc",
    ]
    assert ("PATCH", "secrets/gitlab-cache-oss") in kube.app.dry_runs
    assert "Applied (server-side, field manager ask-runner-wizard)" in out

    # No credential reached the screen or the log.
    log = private_log.read_text()
    assert "check oss.bucket: ok" in log
    for secret in (AK_ID, AK_SECRET, issued, "GR1348941registration"):
        assert secret not in out + err
        assert secret not in log


def test_verifies_glrt_token(live, answers_file, gitlab, tmp_path, capsys):
    path = answers_file(
        {
            **live,
            "registration.token": "glrt-t3stRunnerToken4567890xyz",
            "review.apply": False,
        },
        drop=(
            "registration.runner_token",
            "registration.description",
            "registration.tags",
        ),
    )
    code, out, err = _run(path, capsys)
    assert code == 0, out + err
    (manager,) = gitlab.app.managers
    system_id = (tmp_path / "etc" / ".runner_system_id").read_text().strip()
    assert re.fullmatch(r"s_[0-9a-f]{12}", system_id)
    assert manager == {
        "token": "glrt-t3stRunnerToken4567890xyz",
        "system_id": system_id,
    }
    config = tomlkit.parse((tmp_path / "etc" / "config.toml").read_text())
    runner = next(r for r in config["runners"] if r["name"] == "gitlab-k8s")
    assert runner["token"] == "glrt-t3stRunnerToken4567890xyz"
    assert "token_expires_at" in runner and "token_obtained_at" in runner
    assert gitlab.app.registered == []


def test_failed_check_exits_3_and_writes_nothing(
    live, answers_file, oss, tmp_path, capsys, snapshot
):
    oss.app.buckets.clear()
    path = answers_file(
        {**live, "registration.token": "glrt-t3stRunnerToken4567890xyz"},
        drop=("registration.runner_token",),
    )
    before = snapshot(tmp_path / "etc")
    code, out, err = _run(path, capsys)
    assert code == 3
    assert "the bucket does not exist" in out
    assert snapshot(tmp_path / "etc") == before


def test_registration_disabled_exits_3_with_the_fix(
    live, answers_file, gitlab, tmp_path, capsys, snapshot
):
    gitlab.app.registration_disabled = True
    path = answers_file(
        {**live, "registration.token": "GR1348941registration"},
        drop=("registration.runner_token",),
    )
    before = snapshot(tmp_path / "etc")
    code, out, err = _run(path, capsys)
    assert code == 3
    assert "registration tokens disabled (410)" in err
    assert snapshot(tmp_path / "etc") == before
