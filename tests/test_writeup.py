"""The write-up's values on top of the registered config: exactly its final settings."""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import stat
import tomllib
from pathlib import Path

import kubernetes_validate
import pytest
import yaml

from wizard.answers import load_answers
from wizard.cli import configure_logging
from wizard.keys import parse_key_table
from wizard.secret import Secret
from wizard.write.configtoml import ClusterAccess, merge_config
from wizard.write.manifests import cache_documents, image_cache_document, render
from wizard.write.plan import build_plan, write_plan

K8S_VERSIONS = ("1.25.0", "1.30.0", kubernetes_validate.latest_version())


@pytest.fixture
def writeup(examples_dir: Path, workdir, tmp_path: Path):
    """The example answers, aimed at a temporary config.toml and daemon.json."""
    config = workdir("config-registered.toml")
    daemon = tmp_path / "docker" / "daemon.json"
    daemon.parent.mkdir()
    daemon.write_text('{\n  "log-driver": "json-file",\n  "registry-mirrors": []\n}\n')
    answers = load_answers(examples_dir / "writeup.answers.toml")
    answers.images.daemon_json = str(daemon)
    return answers, config, tmp_path / "out"


def run(answers, config: Path, out: Path):
    plan = build_plan(answers, config_path=config, out_dir=out)
    report = write_plan(plan)
    return plan, report


def test_config_holds_exactly_the_writeup_settings(writeup):
    answers, config, out = writeup
    run(answers, config, out)
    data = tomllib.loads(config.read_text())
    creds = out / "gitlab-k8s"

    assert {k: v for k, v in data.items() if k != "runners"} == {
        "concurrent": 1,
        "check_interval": 0,
        "session_server": {"session_timeout": 1800},
    }
    assert data["runners"] == [
        {
            "name": "gitlab-k8s",
            "url": "https://gitlab.example.com",
            "token": "a1b2c3d4e5f6a7b8c9d0",
            "executor": "kubernetes",
            "environment": ["CI_SERVICE_HOST=127.0.0.1"],
            "custom_build_dir": {},
            "cache": {"s3": {}, "gcs": {}, "azure": {}},
            "kubernetes": {
                "host": "https://192.0.2.20:6443",
                "ca_file": str(creds / "ca.crt"),
                "cert_file": str(creds / "client.crt"),
                "key_file": str(creds / "client.key"),
                "bearer_token_overwrite_allowed": False,
                "image": "",
                "namespace": "default",
                "namespace_overwrite_allowed": "",
                "privileged": False,
                "service_account_overwrite_allowed": "",
                "pod_annotations_overwrite_allowed": "",
                "cpu_request": "2",
                "memory_request": "6Gi",
                "service_cpu_request": "1",
                "service_memory_request": "1Gi",
                "helper_cpu_request": "250m",
                "helper_memory_request": "512Mi",
                "affinity": {},
                "pod_security_context": {},
                "volumes": {
                    "pvc": [{"name": "gitlab-cache-pvc", "mount_path": "/cache"}]
                },
                "pod_annotations": {
                    "k8s.aliyun.com/eci-spot-strategy": "SpotAsPriceGo"
                },
            },
        }
    ]


def test_untouched_lines_keep_their_bytes(writeup, fixtures_dir):
    answers, config, out = writeup
    before = (fixtures_dir / "config-registered.toml").read_text().splitlines()
    run(answers, config, out)
    after = config.read_text().splitlines()
    # Every original line is still there in order, except the one value changed.
    changed = {'    namespace = ""', '    host = ""'}
    kept = [line for line in before if line not in changed]
    it = iter(after)
    assert all(any(line == a for a in it) for line in kept)
    assert '    namespace = "default"' in after


def test_artifacts_and_modes(writeup):
    answers, config, out = writeup
    plan, report = run(answers, config, out)
    creds = out / "gitlab-k8s"
    for name in ("ca.crt", "client.crt", "client.key", "oss-cache.yaml"):
        assert stat.S_IMODE((creds / name).stat().st_mode) == 0o600, name
    assert stat.S_IMODE(config.stat().st_mode) == 0o600
    assert (creds / "ca.crt").read_bytes().startswith(b"-----BEGIN CERTIFICATE-----")
    assert b"PRIVATE KEY" in (creds / "client.key").read_bytes()
    assert set(report.written) == {a.path for a in plan.artifacts}
    assert any(
        "kubectl apply -f" in step and "oss-cache.yaml" in step
        for step in plan.manual_steps
    )
    assert any("4 vCPU / 8 GiB" in note for note in plan.notes)


def test_daemon_json_gets_the_mirror_once_and_keeps_other_keys(writeup):
    answers, config, out = writeup
    run(answers, config, out)
    daemon = Path(answers.images.daemon_json)
    assert json.loads(daemon.read_text()) == {
        "log-driver": "json-file",
        "registry-mirrors": ["https://abcd1234.mirror.aliyuncs.com"],
    }
    # Running again changes nothing: the mirror is not added twice.
    plan, report = run(answers, config, out)
    assert daemon in report.unchanged and config in report.unchanged


def test_ci_example_works_on_both_executors(writeup):
    answers, config, out = writeup
    run(answers, config, out)
    doc = yaml.safe_load((out / "gitlab-k8s" / "gitlab-ci.example.yml").read_text())
    job = doc["test"]
    assert job["services"] == [{"name": "postgres:16-alpine", "alias": "db"}]
    assert 'export DB_HOST="${CI_SERVICE_HOST:-db}"' in job["script"]
    assert job["image"] == "eclipse-temurin:17-jdk"
    assert job["tags"] == ["docker", "k8s"]
    assert job["artifacts"]["reports"]["junit"]


def test_manifest_matches_the_csi_static_volume(writeup):
    answers, config, out = writeup
    run(answers, config, out)
    secret, pv, pvc = yaml.safe_load_all(
        (out / "gitlab-k8s" / "oss-cache.yaml").read_text()
    )
    assert secret["stringData"] == {
        "akId": "LTAI5tFAKEwriteupKEYID0",
        "akSecret": "FAKEwriteupSECRETnotREAL00000",
    }
    csi = pv["spec"]["csi"]
    assert csi["driver"] == "ossplugin.csi.alibabacloud.com"
    assert csi["volumeHandle"] == pv["metadata"]["name"] == "gitlab-cache-pv"
    assert csi["nodePublishSecretRef"] == {
        "name": "gitlab-cache-oss",
        "namespace": "default",
    }
    assert csi["volumeAttributes"] == {
        "bucket": "gitlab-runner-cache",
        "url": "oss-cn-hangzhou-internal.aliyuncs.com",
        "path": "/",
        "otherOpts": "-o max_stat_cache_size=0 -o allow_other",
    }
    assert pv["spec"]["accessModes"] == ["ReadWriteMany"]
    assert pvc["spec"]["volumeName"] == "gitlab-cache-pv"
    assert pvc["metadata"] == {"name": "gitlab-cache-pvc", "namespace": "default"}


@pytest.mark.parametrize("mode", ["csi", "flexvolume"])
@pytest.mark.parametrize("version", K8S_VERSIONS)
def test_cache_manifests_pass_schema_validation(writeup, mode, version):
    answers, _config, _out = writeup
    answers.cache.mode = mode
    docs = list(yaml.safe_load_all(render(cache_documents(answers))))
    assert [d["kind"] for d in docs][-2:] == [
        "PersistentVolume",
        "PersistentVolumeClaim",
    ]
    for doc in docs:
        kubernetes_validate.validate(doc, version, strict=True)


def test_schema_validation_rejects_a_broken_manifest(writeup):
    """The validator really checks: a PV without its capacity type is refused."""
    answers, _config, _out = writeup
    pv = cache_documents(answers)[1]
    pv["spec"]["accessModes"] = "ReadWriteMany"  # a string, not a list
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(pv, K8S_VERSIONS[-1], strict=True)


def test_image_cache_manifest(writeup):
    # kubernetes-validate ships schemas for built-in kinds only; the ImageCache
    # CRD (eci.alibabacloud.com/v1) has no published JSON schema in it, so its
    # shape is checked here against the fields Alibaba documents.
    answers, _config, _out = writeup
    answers.images.precache = ["registry-vpc.cn-hangzhou.aliyuncs.com/team/jdk:17"]
    doc = yaml.safe_load(render([image_cache_document(answers)]))
    assert doc == {
        "apiVersion": "eci.alibabacloud.com/v1",
        "kind": "ImageCache",
        "metadata": {"name": "gitlab-ci-images"},
        "spec": {"images": ["registry-vpc.cn-hangzhou.aliyuncs.com/team/jdk:17"]},
    }
    with pytest.raises(kubernetes_validate.SchemaNotFoundError):
        kubernetes_validate.validate(doc, K8S_VERSIONS[-1], strict=True)


# --- every key written exists in the runner's key table, with its type -------

PY_TYPES = {
    "string": str,
    "duration": str,
    "integer": int,
    "boolean": bool,
    "datetime": dt.datetime,
}


def _assert_typed(table, path: str, value) -> None:
    info = table.get(path)
    assert info is not None, f"{path} is not a key gitlab-runner reads"
    kind = info.toml_type
    if kind.startswith("table<"):
        assert isinstance(value, dict), path
        inner = PY_TYPES[kind[len("table<") : -1]]
        assert all(isinstance(v, inner) for v in value.values()), path
    elif kind.startswith("array<"):
        inner = PY_TYPES[kind[len("array<") : -1]]
        assert isinstance(value, list) and all(isinstance(v, inner) for v in value), (
            path
        )
    else:
        expected = PY_TYPES[kind]
        assert isinstance(value, expected) and (
            expected is bool or not isinstance(value, bool)
        ), f"{path}: {type(value).__name__} is not {kind}"


def _walk(table, prefix: str, data) -> None:
    for key, value in data.items():
        path = f"{prefix}.{key}" if prefix else key
        info = table.get(path)
        assert info is not None, f"{path} is not a key gitlab-runner reads"
        if info.toml_type == "table":
            _walk(table, path, value)
        elif info.toml_type == "array-of-tables":
            for entry in value:
                _walk(table, path, entry)
        else:
            _assert_typed(table, path, value)


def _all_options_answers(writeup):
    answers = writeup[0]
    answers.registration.runner_id = 18
    answers.registration.token_obtained_at = dt.datetime(2024, 3, 1, 8, tzinfo=dt.UTC)
    answers.registration.token_expires_at = dt.datetime(1, 1, 1, tzinfo=dt.UTC)
    answers.registration.tls_ca_file = "/etc/gitlab-runner/certs/gitlab.crt"
    answers.images.image = "registry-vpc.cn-hangzhou.aliyuncs.com/team/jdk:17"
    answers.images.arch = "arm64"
    answers.images.runner_version = "17.3.1"
    answers.images.helper_image = (
        "registry-vpc.cn-hangzhou.aliyuncs.com/team/gitlab-runner-helper:arm64-v17.3.1"
    )
    answers.resources.specs = "ecs.c8y.large,ecs.g8y.large"
    answers.resources.cpu_limit = "4"
    answers.spot.strategy = "cap"
    answers.spot.price_limit = "0.125"
    answers.spot.protection_hours = 0
    answers.spot.fallback = True
    answers.networking.egress = "eip"
    answers.cluster.kind = "ack-eci"
    return answers


@pytest.mark.parametrize("cache_mode", ["csi", "s3"])
def test_every_written_key_is_in_the_key_table(writeup, key_table_path, cache_mode):
    table = parse_key_table(key_table_path.read_text())
    answers = _all_options_answers(writeup)
    answers.cache.mode = cache_mode
    access = ClusterAccess(host="https://192.0.2.20:6443", bearer_token="fake-bearer")
    result = merge_config(writeup[1].read_text(), answers, access)
    assert len(result.written) > 20
    for path, value in result.written:
        _assert_typed(table, path, value)
    # The whole file, not only what the wizard reports, reads back with known keys.
    _walk(table, "", tomllib.loads(result.text))


def test_acs_writes_labels_and_required_spec(writeup, key_table_path):
    table = parse_key_table(key_table_path.read_text())
    answers = writeup[0]
    answers.cluster.kind = "ack-acs"
    answers.resources.specs = "2-4Gi"
    result = merge_config(
        writeup[1].read_text(), answers, ClusterAccess(host="https://h")
    )
    kube = tomllib.loads(result.text)["runners"][0]["kubernetes"]
    assert kube["pod_labels"] == {
        "alibabacloud.com/compute-class": "general-purpose",
        "alibabacloud.com/compute-qos": "best-effort",
        "alibabacloud.com/acs": "true",
    }
    assert kube["pod_annotations"] == {"alibabacloud.com/pod-required-spec": "2-4Gi"}
    _walk(table, "", tomllib.loads(result.text))


def test_map_keys_are_always_quoted(writeup):
    answers = _all_options_answers(writeup)
    text = merge_config(
        writeup[1].read_text(), answers, ClusterAccess(host="https://h")
    ).text
    assert '"kubernetes.io/arch" = "arm64"' in text
    assert '"alibabacloud.com/eci" = "true"' in text
    assert '"k8s.aliyun.com/eci-spot-price-limit" = "0.125"' in text
    assert '"k8s.aliyun.com/eip-bandwidth" = "5"' in text


def test_secrets_never_reach_the_log(writeup, private_log):
    answers, config, out = writeup
    answers.registration.runner_token = Secret("glrt-CANARYcanaryCANARY0001")
    assert configure_logging() == private_log
    plan, _ = run(answers, config, out)
    for handler in logging.getLogger().handlers:
        handler.flush()
    text = private_log.read_text()
    assert "wrote" in text and "CANARY" not in text
    assert "CANARY" not in repr(plan) and "CANARY" not in repr(answers)
    assert "CANARY" in config.read_text()
    assert stat.S_IMODE(private_log.stat().st_mode) == 0o600


# --- cluster credentials: config.toml keys, or a kubeconfig of its own --------


def _kubeconfig(user: dict, cluster: dict) -> str:
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [{"name": "c", "cluster": cluster}],
            "users": [{"name": "u", "user": user}],
            "contexts": [{"name": "ctx", "context": {"cluster": "c", "user": "u"}}],
            "current-context": "ctx",
        }
    )


def test_token_user_becomes_bearer_token_and_ca_file_is_copied(writeup, tmp_path):
    answers, config, out = writeup
    ca = tmp_path / "ca-from-disk.pem"
    ca.write_bytes(
        b"-----BEGIN CERTIFICATE-----\nFAKE-CA-ON-DISK\n-----END CERTIFICATE-----\n"
    )
    answers.cluster.kubeconfig = Secret(
        _kubeconfig(
            {"token": "fake-bearer-CANARY"},
            {"server": "https://192.0.2.50:6443", "certificate-authority": str(ca)},
        )
    )
    answers.cluster.context = ""
    plan, _ = run(answers, config, out)
    kube = tomllib.loads(config.read_text())["runners"][0]["kubernetes"]
    assert kube["bearer_token"] == "fake-bearer-CANARY"
    assert kube["host"] == "https://192.0.2.50:6443"
    assert Path(kube["ca_file"]).read_bytes() == ca.read_bytes()
    assert "cert_file" not in kube and "key_file" not in kube
    assert "fake-bearer-CANARY" in plan.secrets


def test_exec_login_gets_a_kubeconfig_of_its_own(writeup):
    answers, config, out = writeup
    answers.cluster.kubeconfig = Secret(
        _kubeconfig(
            {
                "exec": {
                    "apiVersion": "client.authentication.k8s.io/v1beta1",
                    "command": "aliyun",
                }
            },
            {"server": "https://192.0.2.51:6443"},
        )
    )
    answers.cluster.context = ""
    plan, _ = run(answers, config, out)
    kube = tomllib.loads(config.read_text())["runners"][0]["kubernetes"]
    path = out / "gitlab-k8s" / "kubeconfig"
    assert kube["context"] == "ctx"
    assert kube["host"] == ""  # left empty, so the runner reads the kubeconfig
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert yaml.safe_load(path.read_text())["current-context"] == "ctx"
    step = next(s for s in plan.manual_steps if "KUBECONFIG" in s)
    assert f"Environment=KUBECONFIG={path}" in step and "exec" in step


def test_an_unwritable_daemon_json_goes_to_the_out_dir(writeup, monkeypatch):
    answers, config, out = writeup
    target = Path(answers.images.daemon_json)
    # Tests run as root, who may write anywhere: deny this one path instead.
    real_access = os.access
    monkeypatch.setattr(
        os,
        "access",
        lambda p, mode: False if Path(p) == target else real_access(p, mode),
    )
    plan = build_plan(answers, config_path=config, out_dir=out)
    copy = next(a for a in plan.artifacts if a.path.name == "daemon.json")
    assert copy.path == out / "daemon.json"
    assert json.loads(copy.content)["log-driver"] == "json-file"
    assert any(
        f"sudo install -m 644 {copy.path} {target}" in s for s in plan.manual_steps
    )


def test_kubeconfig_file_paths_are_relative_to_the_kubeconfig(writeup, tmp_path):
    answers, config, out = writeup
    kube_dir = tmp_path / "kube"
    (kube_dir / "pki").mkdir(parents=True)
    (kube_dir / "pki" / "ca.pem").write_bytes(b"CA-BESIDE-KUBECONFIG\n")
    (kube_dir / "pki" / "client.pem").write_bytes(b"CLIENT-CERT\n")
    (kube_dir / "pki" / "client-key.pem").write_bytes(b"CLIENT-KEY\n")
    user = {"client-certificate": "pki/client.pem", "client-key": "pki/client-key.pem"}
    cluster = {
        "server": "https://192.0.2.52:6443",
        "certificate-authority": "pki/ca.pem",
    }
    (kube_dir / "config").write_text(_kubeconfig(user, cluster))
    answers.cluster.kubeconfig = None
    answers.cluster.kubeconfig_path = str(kube_dir / "config")
    answers.cluster.context = ""
    run(answers, config, out)
    kube = tomllib.loads(config.read_text())["runners"][0]["kubernetes"]
    assert Path(kube["ca_file"]).read_bytes() == b"CA-BESIDE-KUBECONFIG\n"
    assert Path(kube["cert_file"]).read_bytes() == b"CLIENT-CERT\n"
    assert Path(kube["key_file"]).read_bytes() == b"CLIENT-KEY\n"
