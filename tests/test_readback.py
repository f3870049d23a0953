"""Reading an earlier setup back into answers: config.toml, manifests, daemon.json, state."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sharedpath import SHARED

from wizard.answers import load_answers
from wizard.lint import MalformedFileError
from wizard.readback import (
    ReadbackError,
    RunnerChoiceError,
    load_existing,
    read_existing,
    set_up_before,
)
from wizard.secret import Secret
from wizard.write.files import diff_artifacts
from wizard.write.plan import build_plan, write_plan

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = SHARED / "reference" / "fixtures"
EXAMPLE = ROOT / "examples" / "writeup.answers.toml"


def set_up_host(tmp_path: Path, fixture: str = "config-registered.toml"):
    """Run the write-up's answers once, as the answers-file path does."""
    config = tmp_path / "config.toml"
    shutil.copy(FIXTURES / fixture, config)
    daemon = tmp_path / "daemon.json"
    daemon.write_text('{\n  "log-driver": "json-file"\n}\n')
    answers = load_answers(EXAMPLE)
    answers.images.daemon_json = str(daemon)
    out = tmp_path / "out"
    plan = build_plan(answers, config_path=config, out_dir=out)
    write_plan(plan)
    return answers, config, out, daemon


def test_readback_then_plan_changes_nothing(tmp_path):
    """Every artifact written before comes out byte-identical from the read-back answers."""
    _, config, out, _ = set_up_host(tmp_path)
    loaded = read_existing(config, out)
    assert loaded.asked_again == []
    plan = build_plan(loaded.answers, config_path=config, out_dir=out)
    diffs = diff_artifacts(plan.artifacts)
    assert [(d.path.name, d.status) for d in diffs if d.status != "unchanged"] == []
    assert len(diffs) == len(plan.artifacts) >= 7


def test_readback_restores_the_answers(tmp_path):
    original, config, out, daemon = set_up_host(tmp_path)
    a = load_existing(config, out)
    assert (a.target.mode, a.target.runner) == ("edit", "gitlab-k8s")
    assert a.target.config == str(config) and a.target.out_dir == str(out)
    assert a.registration.url == "https://gitlab.example.com"
    assert a.registration.runner_token == Secret("a1b2c3d4e5f6a7b8c9d0")
    assert a.registration.token is None  # a legacy token is never registered again
    assert a.registration.tags == ["docker", "k8s"]  # from the state file
    assert (a.cluster.kind, a.cluster.context, a.cluster.namespace) == (
        "ask",
        "ask-writeup",
        "default",
    )
    assert a.cache == original.cache
    assert a.images.mirror == original.images.mirror
    assert a.images.daemon_json == str(daemon)
    assert a.spot == original.spot
    assert a.resources == original.resources
    assert a.networking == original.networking


def test_secrets_come_from_their_artifact_or_are_asked_again(tmp_path):
    _, config, out, _ = set_up_host(tmp_path)
    (out / "gitlab-k8s" / "oss-cache.yaml").unlink()
    loaded = read_existing(config, out)
    assert loaded.answers.cache.access_key_secret is None
    assert loaded.asked_again == ["cache.access_key_id", "cache.access_key_secret"]


def test_state_holds_no_secret(tmp_path):
    original, _, out, _ = set_up_host(tmp_path)
    state = (out / "gitlab-k8s" / "wizard-state.toml").read_text()
    for secret in (
        original.registration.runner_token,
        original.cache.access_key_id,
        original.cache.access_key_secret,
    ):
        assert secret.reveal() not in state
    assert "BEGIN" not in state and "client-key" not in state


def test_several_runners_need_a_name(tmp_path):
    config = tmp_path / "config.toml"
    shutil.copy(FIXTURES / "config-two-runners.toml", config)
    with pytest.raises(RunnerChoiceError) as err:
        read_existing(config, tmp_path / "out")
    assert err.value.names == ["docs-shell", "k8s"]
    assert "--runner" in str(err.value)

    a = load_existing(config, tmp_path / "out", runner="k8s")
    assert a.target.runner == "k8s" and a.cluster.namespace == "ci"
    assert a.spot.strategy == "market"  # from the annotation already there
    assert a.images.image == "alpine:3.20"
    with pytest.raises(ReadbackError, match="docs-shell, k8s"):
        read_existing(config, tmp_path / "out", runner="nope")


@pytest.mark.parametrize(
    ("name", "text", "where", "what"),
    [
        (
            "config.toml",
            'concurrent = 1\n[[runners]]\n  name: "x"\n',
            ":3:7",
            "TOML uses '='",
        ),
        (
            "daemon.json",
            '{\n  "registry-mirrors": ["a"],\n}\n',
            ":3:1",
            "not valid JSON",
        ),
        (
            "oss-cache.yaml",
            "kind: Secret\nmetadata:\n  name: a\n - b\n",
            ":4:2",
            "not valid YAML",
        ),
    ],
)
def test_malformed_files_name_file_line_and_column(tmp_path, name, text, where, what):
    _, config, out, daemon = set_up_host(tmp_path)
    target = {
        "config.toml": config,
        "daemon.json": daemon,
        "oss-cache.yaml": out / "gitlab-k8s" / "oss-cache.yaml",
    }[name]
    target.write_text(text)
    with pytest.raises(MalformedFileError) as err:
        read_existing(config if name != "config.toml" else target, out)
    problem = err.value.problem
    assert problem.field == f"{target}{where}"
    assert what in problem.message


def test_set_up_before(tmp_path):
    assert not set_up_before(tmp_path / "config.toml", tmp_path / "out")
    shutil.copy(FIXTURES / "config-two-runners.toml", tmp_path / "config.toml")
    assert set_up_before(tmp_path / "config.toml", tmp_path / "out")


def test_readback_reads_eip_s3_and_acs_settings(tmp_path):
    config = tmp_path / "config.toml"
    config.write_text(
        "concurrent = 4\n\n[[runners]]\n"
        '  name = "acs"\n  url = "https://g.example.com"\n  token = "glrt-abc"\n'
        '  executor = "kubernetes"\n'
        '  [runners.cache]\n    Type = "s3"\n    Shared = true\n'
        "    [runners.cache.s3]\n"
        '      ServerAddress = "oss-cn-beijing-internal.aliyuncs.com"\n'
        '      AccessKey = "LTAIabc"\n      SecretKey = "s3cr3tKEY"\n'
        '      BucketName = "ci-cache"\n      BucketLocation = "cn-beijing"\n'
        "  [runners.kubernetes]\n"
        '    namespace = "jobs"\n'
        '    helper_image = "registry-vpc.cn-beijing.aliyuncs.com/ci/helper:arm64-v17.3.1"\n'
        "    [runners.kubernetes.pod_labels]\n"
        '      "alibabacloud.com/compute-class" = "performance"\n'
        '      "alibabacloud.com/compute-qos" = "best-effort"\n'
        "    [runners.kubernetes.pod_annotations]\n"
        '      "alibabacloud.com/pod-required-spec" = "2-4Gi"\n'
    )
    loaded = read_existing(config, tmp_path / "out", daemon_json=tmp_path / "none.json")
    a = loaded.answers
    assert (a.cluster.kind, a.spot.strategy) == ("acs", "market")
    assert (a.resources.compute_class, a.resources.specs) == ("performance", "2-4Gi")
    assert (a.cache.mode, a.cache.bucket, a.cache.region) == (
        "s3",
        "ci-cache",
        "cn-beijing",
    )
    assert a.cache.endpoint == ""  # the region's default endpoint is derived again
    assert a.cache.access_key_secret == Secret("s3cr3tKEY")
    assert (a.images.arch, a.images.runner_version) == ("arm64", "17.3.1")
    assert a.registration.token == Secret("glrt-abc")
    assert loaded.asked_again == ["cluster.kubeconfig"]  # nothing to rebuild it from


def test_loading_lints_config_toml(tmp_path):
    """Reading an earlier setup also lists what the runner would silently ignore."""
    config = tmp_path / "config.toml"
    shutil.copy(SHARED / "cases" / "02-cache-keys-after-subtable.toml", config)
    loaded = read_existing(config, tmp_path / "out", daemon_json=tmp_path / "no.json")
    assert [(f.code, f.line) for f in loaded.findings] == [
        ("swallowed-key", 18),
        ("swallowed-key", 19),
        ("swallowed-key", 20),
        ("swallowed-key", 21),
    ]
    assert loaded.answers.target.runner == "build-runner"
    assert loaded.fingerprints[config].exists


def test_a_read_back_legacy_token_is_never_registered_again(tmp_path):
    """The stored token is reused: no registration call is even attempted."""
    from wizard.checks import Timeouts
    from wizard.checks.gitlab import obtain_runner_token

    _, config, out, _ = set_up_host(tmp_path)
    answers = load_existing(config, out)
    # Even a regression could reach nothing but a closed local port.
    answers.registration.url = "http://127.0.0.1:9"
    answers.registration.token = Secret("GR1348941legacyREGISTRATION")
    assert obtain_runner_token(answers, Timeouts(connect=0.5, total=1)) is None
    assert answers.registration.runner_token == Secret("a1b2c3d4e5f6a7b8c9d0")
