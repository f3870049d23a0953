"""Rebuild the answers from what an earlier run wrote, so one screen can be changed.

Sources, later ones winning: the runner's state file (answers no artifact
holds), the manifests in the runner's folder under the output folder,
daemon.json, and the runner entry in config.toml. A host may hold several
runner entries; the one to load is named, or the only one. Secrets come back from the artifact that holds them (the runner
token from config.toml, the AccessKey from the cache Secret manifest) or are
left empty to be asked again. A file that does not parse raises
`MalformedFileError` with file, line and column, and nothing is written.
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import logging
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from wizard.lint import Finding, MalformedFileError, lint_config, parse_config
from wizard.model import Answers
from wizard.problems import Problem
from wizard.secret import Secret
from wizard.state import STATE_NAME, load_state, runner_dir, state_path
from wizard.validate import oss_internal_endpoint
from wizard.write.files import Fingerprint, fingerprint

log = logging.getLogger(__name__)

ECI = "k8s.aliyun.com/"
ACS_QOS = "alibabacloud.com/compute-qos"
ACS_CLASS = "alibabacloud.com/compute-class"
ACS_SPEC = "alibabacloud.com/pod-required-spec"
OSS_CSI_DRIVER = "ossplugin.csi.alibabacloud.com"
OSS_FLEX_DRIVER = "alicloud/oss"
_HELPER_TAG = re.compile(r":(x86_64|arm64)-v(\d+\.\d+\.\d+)$")


class ReadbackError(ValueError):
    """The earlier setup cannot be loaded as asked; the message says what to do."""


class RunnerChoiceError(ReadbackError):
    """config.toml has several runner entries and none was named."""

    def __init__(self, names: list[str]):
        super().__init__(
            "config.toml has several runner entries: "
            + ", ".join(names)
            + "; choose one with --runner NAME"
        )
        self.names = names


@dataclass
class Loaded:
    """Answers rebuilt from disk, with what was read to get them."""

    answers: Answers
    runner_index: int | None  # position of the entry in [[runners]]
    fingerprints: dict[Path, Fingerprint] = field(default_factory=dict)
    findings: list[Finding] = field(default_factory=list)  # config.toml lint
    problems: list[Problem] = field(default_factory=list)  # warnings while reading
    asked_again: list[str] = field(default_factory=list)  # secrets not found


def set_up_before(config_path: Path, out_dir: Path) -> bool:
    """True when an earlier run left a state file or a Kubernetes runner entry."""
    if any(Path(out_dir).glob(f"*/{STATE_NAME}")):
        return True
    try:
        text = Path(config_path).read_text(encoding="utf-8")
        data = parse_config(text, str(config_path)).unwrap()
    except (OSError, MalformedFileError):
        return False
    runners = data.get("runners")
    return isinstance(runners, list) and any(
        isinstance(r, dict) and r.get("executor") == "kubernetes" for r in runners
    )


def runner_names(config_path: Path) -> list[str]:
    """The names of the runner entries in config.toml, in file order."""
    text = Path(config_path).read_text(encoding="utf-8")
    runners = parse_config(text, str(config_path)).unwrap().get("runners") or []
    return [str(r.get("name", "")) for r in runners if isinstance(r, dict)]


def load_existing(
    config_path: Path, out_dir: Path, runner: str | None = None
) -> Answers:
    """The answers of the earlier run (see `read_existing` for the details)."""
    return read_existing(config_path, out_dir, runner).answers


def read_existing(
    config_path: Path,
    out_dir: Path,
    runner: str | None = None,
    *,
    daemon_json: Path | None = None,
) -> Loaded:
    """Read config.toml, the runner's state and manifests, and daemon.json into Answers.

    With several runner entries in config.toml, `runner` must name one
    (RunnerChoiceError lists them otherwise).
    """
    config_path, out_dir = Path(config_path), Path(out_dir)
    fp = fingerprint(config_path)
    if not fp.exists:
        raise ReadbackError(
            f"{config_path} does not exist; run the wizard without --screen to set "
            "the runner up first"
        )
    text = fp.content.decode("utf-8", errors="replace")
    data = parse_config(text, str(config_path)).unwrap()
    index, entry = _choose_runner(data, runner, config_path, text)
    names = [
        str(r.get("name", "")) for r in data.get("runners") or [] if isinstance(r, dict)
    ]
    folder = _folder_of(out_dir, str(entry.get("name", "")), names)

    state, problems = load_state(folder)
    answers = state or Answers()
    loaded = Loaded(answers, index, problems=problems)
    loaded.fingerprints[config_path] = fp
    loaded.findings = lint_config(text, str(config_path))
    loaded.fingerprints[state_path(folder)] = fingerprint(state_path(folder))

    _read_manifests(folder, loaded)
    daemon = daemon_json or Path(answers.images.daemon_json or DEFAULT_DAEMON_JSON)
    _read_daemon_json(Path(daemon).expanduser(), loaded)

    answers.target.config = str(config_path)
    answers.target.out_dir = str(out_dir)
    answers.target.runner = str(entry.get("name", ""))
    answers.target.mode = "edit"
    _from_runner(entry, answers)
    _kubeconfig_from_artifacts(entry, folder, loaded)

    secrets = [("registration.runner_token", answers.registration.runner_token)]
    if answers.cache.mode != "off":
        secrets += [
            ("cache.access_key_id", answers.cache.access_key_id),
            ("cache.access_key_secret", answers.cache.access_key_secret),
        ]
    loaded.asked_again += [name for name, secret in secrets if secret is None]
    return loaded


DEFAULT_DAEMON_JSON = "/etc/docker/daemon.json"


def _legacy_slug(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", name).strip("-.") or "runner"


def _folder_of(out_dir: Path, name: str, names: list[str]) -> Path:
    """The runner's folder; for an earlier version's run, the folder it used.

    Earlier versions named the folder by the plain slug of the runner name,
    which two names could share; such a folder is used only when its state
    file names this runner, or names none and no other entry shares the slug.
    """
    folder = runner_dir(out_dir, name)
    if state_path(folder).exists():
        return folder
    legacy = Path(out_dir) / _legacy_slug(name)
    if legacy == folder or not state_path(legacy).is_file():
        return folder
    state, _ = load_state(legacy)
    if state is None:
        return folder
    owner = state.target.runner
    shared = [n for n in names if n != name and _legacy_slug(n) == legacy.name]
    return legacy if owner == name or (not owner and not shared) else folder


def _choose_runner(
    data: dict, runner: str | None, config_path: Path, text: str = ""
) -> tuple[int, dict]:
    from wizard.write.configtoml import runner_labels

    runners = [r for r in data.get("runners") or [] if isinstance(r, dict)]
    names = [str(r.get("name", "")) for r in runners]
    labels = runner_labels(runners, text)
    if runner:
        matches = [i for i, n in enumerate(names) if n == runner]
        if not matches:
            raise ReadbackError(
                f"no runner entry named {runner!r} in {config_path}; the entries are: "
                + (", ".join(labels) or "none")
            )
        if len(matches) > 1:
            raise ReadbackError(
                f"{len(matches)} runner entries are named {runner!r} in {config_path}; "
                "rename one of them before editing"
            )
        return matches[0], runners[matches[0]]
    if len(runners) == 1:
        return 0, runners[0]
    if not runners:
        raise ReadbackError(f"{config_path} has no runner entry to edit")
    raise RunnerChoiceError(labels)


# --- config.toml ---------------------------------------------------------------


def _from_runner(entry: dict, a: Answers) -> None:
    r = a.registration
    r.name = str(entry.get("name", r.name))
    r.url = str(entry.get("url", r.url))
    if entry.get("token"):
        # The token config.toml holds is the runner token: an earlier
        # registration is never repeated, the token is verified instead.
        r.runner_token = Secret(str(entry["token"]))
        if str(entry["token"]).startswith("glrt-"):
            r.token = r.runner_token
        else:
            r.token = None
    if isinstance(entry.get("id"), int):
        r.runner_id = entry["id"]
    r.token_obtained_at = (
        _datetime(entry.get("token_obtained_at")) or r.token_obtained_at
    )
    r.token_expires_at = _datetime(entry.get("token_expires_at")) or r.token_expires_at
    if "tls-ca-file" in entry:
        r.tls_ca_file = str(entry["tls-ca-file"])

    env = entry.get("environment") or []
    if isinstance(env, list):
        a.networking.service_host_env = "CI_SERVICE_HOST=127.0.0.1" in env

    kube = entry.get("kubernetes") or {}
    if isinstance(kube, dict):
        _from_kubernetes(kube, a)
    cache = entry.get("cache") or {}
    if isinstance(cache, dict) and str(cache.get("Type", "")).lower() == "s3":
        _from_s3_cache(cache, a)


def _datetime(value: Any) -> dt.datetime | None:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    if isinstance(value, str) and value:
        try:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def _from_kubernetes(kube: dict, a: Answers) -> None:
    if kube.get("namespace"):
        a.cluster.namespace = str(kube["namespace"])
    if kube.get("context"):
        a.cluster.context = str(kube["context"])
    if "image" in kube:
        a.images.image = str(kube["image"])
    if "helper_image" in kube:
        a.images.helper_image = str(kube["helper_image"])
        m = _HELPER_TAG.search(a.images.helper_image)
        if m:
            a.images.arch, a.images.runner_version = m.group(1), m.group(2)

    res = a.resources
    for prefix in ("", "service_", "helper_"):
        for what in ("cpu_request", "memory_request", "cpu_limit", "memory_limit"):
            name = prefix + what
            setattr(res, name, str(kube.get(name, "")))

    ann = kube.get("pod_annotations") or {}
    labels = kube.get("pod_labels") or {}
    selector = kube.get("node_selector") or {}
    ann = ann if isinstance(ann, dict) else {}
    labels = labels if isinstance(labels, dict) else {}
    selector = selector if isinstance(selector, dict) else {}
    _kind_from(ann, labels, selector, a)
    _spot_from(ann, labels, a)
    res.specs = str(ann.get(ECI + "eci-use-specs") or ann.get(ACS_SPEC) or "")
    if labels.get(ACS_CLASS):
        res.compute_class = str(labels[ACS_CLASS])
    if str(ann.get(ECI + "eci-with-eip", "")).lower() == "true":
        a.networking.egress = "eip"
        bandwidth = str(ann.get(ECI + "eip-bandwidth", ""))
        if bandwidth.isdigit():
            a.networking.eip_bandwidth = int(bandwidth)
    elif a.networking.egress == "eip":
        # The annotation is gone, so pods no longer get an EIP; the state's
        # "eip" is stale. NAT is what the other choice needs no annotation for.
        a.networking.egress = "nat"

    volumes = kube.get("volumes") or {}
    pvcs = volumes.get("pvc") if isinstance(volumes, dict) else None
    if isinstance(pvcs, list):
        ours = [
            v for v in pvcs if isinstance(v, dict) and v.get("name") == a.cache.pvc_name
        ]
        mounted = ours or [v for v in pvcs if isinstance(v, dict)][:1]
        if mounted:
            a.cache.pvc_name = str(mounted[0].get("name", a.cache.pvc_name))
            a.cache.mount_path = str(mounted[0].get("mount_path", a.cache.mount_path))
            if a.cache.mode in ("off", "s3"):
                a.cache.mode = "csi"
    elif a.cache.mode in ("csi", "flexvolume"):
        a.cache.mode = "off"


def _kind_from(ann: dict, labels: dict, selector: dict, a: Answers) -> None:
    """The cluster kind the settings imply; the state's choice when they agree."""
    kind = a.cluster.kind
    if str(labels.get("alibabacloud.com/acs", "")).lower() == "true":
        kind = "ack-acs"
    elif str(labels.get("alibabacloud.com/eci", "")).lower() == "true" or (
        selector.get("type") == "virtual-kubelet"
    ):
        kind = "ack-eci"
    elif ACS_CLASS in labels or ACS_QOS in labels or ACS_SPEC in ann:
        kind = "acs" if kind not in ("acs", "ack-acs") else kind
    elif any(k.startswith(ECI) for k in ann) and kind not in ("ask", "ack-eci"):
        kind = "ask"
    a.cluster.kind = kind


def _spot_from(ann: dict, labels: dict, a: Answers) -> None:
    spot = a.spot
    if a.cluster.kind in ("acs", "ack-acs"):
        best_effort = labels.get(ACS_QOS) == "best-effort"
        if not best_effort:
            spot.strategy = "on-demand"
        elif spot.strategy == "on-demand":
            spot.strategy = "market"
        return
    strategy = ann.get(ECI + "eci-spot-strategy")
    if strategy == "SpotAsPriceGo":
        spot.strategy = "market"
    elif strategy == "SpotWithPriceLimit":
        spot.strategy = "cap"
        spot.price_limit = str(ann.get(ECI + "eci-spot-price-limit", ""))
    else:
        spot.strategy = "on-demand"
        return
    duration = str(ann.get(ECI + "eci-spot-duration", "1"))
    if duration.isdigit():
        spot.protection_hours = int(duration)
    # Absent means ECI's default, no fallback to on-demand.
    spot.fallback = str(ann.get(ECI + "eci-spot-fallback", "")).lower() == "true"


def _from_s3_cache(cache: dict, a: Answers) -> None:
    s3 = cache.get("s3") or {}
    a.cache.mode = "s3"
    if not isinstance(s3, dict):
        return
    a.cache.bucket = str(s3.get("BucketName", a.cache.bucket))
    a.cache.endpoint = str(s3.get("ServerAddress", a.cache.endpoint))
    if s3.get("BucketLocation"):
        a.cache.region = str(s3["BucketLocation"])
    _default_endpoint(a)
    if s3.get("AccessKey"):
        a.cache.access_key_id = Secret(str(s3["AccessKey"]))
    if s3.get("SecretKey"):
        a.cache.access_key_secret = Secret(str(s3["SecretKey"]))


def _kubeconfig_from_artifacts(entry: dict, folder: Path, loaded: Loaded) -> None:
    """Give the cluster step its kubeconfig back, from the source or the files written."""
    c = loaded.answers.cluster
    if c.kubeconfig_path and Path(c.kubeconfig_path).expanduser().is_file():
        return  # the source the operator named is still there; the plan reads it
    kube = entry.get("kubernetes") or {}
    kube = kube if isinstance(kube, dict) else {}
    text = ""
    if kube.get("context") and (folder / "kubeconfig").is_file():
        text = (folder / "kubeconfig").read_text(encoding="utf-8")
    elif kube.get("host"):
        text = _kubeconfig_from_keys(kube, c.context or "wizard")
    if text:
        c.kubeconfig = Secret(text)
        c.kubeconfig_path = ""
        c.context = c.context or str(kube.get("context") or "wizard")
    else:
        loaded.asked_again.append("cluster.kubeconfig")


def _kubeconfig_from_keys(kube: dict, context: str) -> str:
    """A kubeconfig saying what config.toml's host, CA, cert/key or token say."""
    import yaml

    def b64(path: object) -> str:
        try:
            return base64.b64encode(Path(str(path)).read_bytes()).decode()
        except OSError:
            return ""

    cluster: dict[str, str] = {"server": str(kube["host"])}
    if kube.get("ca_file") and b64(kube["ca_file"]):
        cluster["certificate-authority-data"] = b64(kube["ca_file"])
    user: dict[str, str] = {}
    if kube.get("cert_file") and kube.get("key_file"):
        user["client-certificate-data"] = b64(kube["cert_file"])
        user["client-key-data"] = b64(kube["key_file"])
    elif kube.get("bearer_token"):
        user["token"] = str(kube["bearer_token"])
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": context, "cluster": cluster}],
        "users": [{"name": context, "user": user}],
        "contexts": [
            {"name": context, "context": {"cluster": context, "user": context}}
        ],
        "current-context": context,
    }
    return yaml.safe_dump(doc, sort_keys=False)


# --- manifests -----------------------------------------------------------------


def _yaml_problem(path: Path, exc: Exception) -> Problem:
    mark = getattr(exc, "problem_mark", None)
    what = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    where = f"{path}:{mark.line + 1}:{mark.column + 1}" if mark else str(path)
    also = ""
    context_mark = getattr(exc, "context_mark", None)
    if context and context_mark is not None:
        also = f" ({context} at line {context_mark.line + 1}, column {context_mark.column + 1})"
    return Problem(where, f"not valid YAML: {what}{also}; fix the file or move it away")


def _manifest_files(out_dir: Path) -> list[Path]:
    if not out_dir.is_dir():
        return []
    return sorted(
        p for p in out_dir.iterdir() if p.suffix in (".yaml", ".yml") and p.is_file()
    )


def _read_manifests(out_dir: Path, loaded: Loaded) -> None:
    import yaml

    for path in _manifest_files(out_dir):
        fp = fingerprint(path)
        loaded.fingerprints[path] = fp
        text = fp.content.decode("utf-8", errors="replace")
        try:
            docs = [d for d in yaml.safe_load_all(text) if isinstance(d, dict)]
        except yaml.YAMLError as exc:
            raise MalformedFileError(_yaml_problem(path, exc)) from None
        for doc in docs:
            _from_manifest(doc, loaded.answers)


def _from_manifest(doc: dict, a: Answers) -> None:
    kind = doc.get("kind")
    meta = doc.get("metadata") or {}
    name = str(meta.get("name", "")) if isinstance(meta, dict) else ""
    spec = doc.get("spec") or {}
    if kind == "Secret":
        values = _secret_values(doc)
        if "akId" in values or "akSecret" in values:
            a.cache.secret_name = name or a.cache.secret_name
            if values.get("akId"):
                a.cache.access_key_id = Secret(values["akId"])
            if values.get("akSecret"):
                a.cache.access_key_secret = Secret(values["akSecret"])
    elif kind == "PersistentVolume" and isinstance(spec, dict):
        _from_pv(name, spec, a)
    elif kind == "PersistentVolumeClaim" and isinstance(spec, dict):
        if (
            spec.get("volumeName") in ("", None, a.cache.pv_name)
            or name == a.cache.pvc_name
        ):
            a.cache.pvc_name = name or a.cache.pvc_name
    elif kind == "ImageCache" and isinstance(spec, dict):
        a.images.image_cache_name = name or a.images.image_cache_name
        images = spec.get("images")
        if isinstance(images, list):
            a.images.precache = [str(i) for i in images]


def _secret_values(doc: dict) -> dict[str, str]:
    values: dict[str, str] = {}
    data = doc.get("data") or {}
    if isinstance(data, dict):
        for k, v in data.items():
            try:
                values[str(k)] = base64.b64decode(str(v), validate=True).decode("utf-8")
            except (ValueError, UnicodeDecodeError):
                log.warning("Secret key %s is not valid base64; ignored", k)
    string_data = doc.get("stringData") or {}
    if isinstance(string_data, dict):
        values.update({str(k): str(v) for k, v in string_data.items()})
    return values


def _from_pv(name: str, spec: dict, a: Answers) -> None:
    capacity = (spec.get("capacity") or {}).get("storage")
    csi = spec.get("csi")
    flex = spec.get("flexVolume")
    if isinstance(csi, dict) and csi.get("driver") == OSS_CSI_DRIVER:
        attrs = csi.get("volumeAttributes") or {}
        a.cache.mode = "csi"
        ref = csi.get("nodePublishSecretRef") or {}
        if isinstance(ref, dict) and ref.get("name"):
            a.cache.secret_name = str(ref["name"])
    elif isinstance(flex, dict) and flex.get("driver") == OSS_FLEX_DRIVER:
        attrs = flex.get("options") or {}
        a.cache.mode = "flexvolume"
        if attrs.get("akId"):
            a.cache.access_key_id = Secret(str(attrs["akId"]))
        if attrs.get("akSecret"):
            a.cache.access_key_secret = Secret(str(attrs["akSecret"]))
    else:
        return
    a.cache.pv_name = name or a.cache.pv_name
    if capacity:
        a.cache.capacity = str(capacity)
    if isinstance(attrs, dict):
        a.cache.bucket = str(attrs.get("bucket", a.cache.bucket))
        a.cache.endpoint = str(attrs.get("url", a.cache.endpoint))
        a.cache.path = str(attrs.get("path", a.cache.path))
        m = re.match(
            r"^(?:https?://)?oss-([a-z0-9-]+?)(?:-internal)?\.aliyuncs\.com",
            a.cache.endpoint,
        )
        if m:
            a.cache.region = m.group(1)
        _default_endpoint(a)


def _default_endpoint(a: Answers) -> None:
    if a.cache.region and a.cache.endpoint == oss_internal_endpoint(a.cache.region):
        a.cache.endpoint = ""  # the default: keep deriving it from the region


# --- daemon.json ---------------------------------------------------------------


def _read_daemon_json(path: Path, loaded: Loaded) -> None:
    a = loaded.answers
    fp = fingerprint(path)
    if not fp.exists:
        if a.images.mirror:
            loaded.problems.append(
                Problem(
                    str(path),
                    "gone: the registry mirror set earlier is no longer there",
                    "warning",
                )
            )
            a.images.mirror = ""
        return
    loaded.fingerprints[path] = fp
    text = fp.content.decode("utf-8", errors="replace")
    data = parse_daemon_json(text, str(path))
    mirrors = data.get("registry-mirrors") or []
    mirrors = [str(m) for m in mirrors] if isinstance(mirrors, list) else []
    if a.images.mirror and a.images.mirror not in mirrors:
        # Removed by hand since: the file is the truth.
        a.images.mirror = ""
    elif not a.images.mirror and len(mirrors) == 1:
        a.images.mirror = mirrors[0]
    a.images.daemon_json = str(path)


def parse_daemon_json(text: str, filename: str) -> dict:
    """Parse daemon.json; raise MalformedFileError with line, column and the fault."""
    if not text.strip():
        return {}
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        hint = ""
        if "Expecting property name" in exc.msg or "Expecting value" in exc.msg:
            hint = " (JSON allows no trailing comma and no comment)"
        raise MalformedFileError(
            Problem(
                f"{filename}:{exc.lineno}:{exc.colno}",
                f"not valid JSON: {exc.msg}{hint}; fix it before the wizard adds a mirror",
            )
        ) from None
    except RecursionError:
        raise MalformedFileError(
            Problem(
                f"{filename}:1:1",
                "nested too deeply to be a daemon.json; fix it before the wizard "
                "adds a mirror",
            )
        ) from None
    if not isinstance(data, dict):
        raise MalformedFileError(
            Problem(f"{filename}:1:1", "must hold one JSON object { … }")
        )
    return data
