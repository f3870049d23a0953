"""Cluster checks through the kubernetes client: reach, identity, namespace, RBAC, kind."""

from __future__ import annotations

import atexit
import hashlib
import os
import re
import shutil
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.checks.common import CheckFailed, error, ok, warning
from wizard.checks.errors import describe, network_kind
from wizard.model import CLUSTER_KIND_LABELS
from wizard.secret import reveal

if TYPE_CHECKING:
    from kubernetes.client import ApiClient

    from wizard.checks import CheckResult, Timeouts
    from wizard.model import Answers

# Client libraries the checks import lazily (preloaded one at a time).
SDKS = ("kubernetes.client", "kubernetes.config.kube_config", "yaml")

# What the Kubernetes executor needs in the job namespace: (resource, verbs),
# a resource written "pods/exec" meaning the subresource.
PERMISSIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("pods", ("create", "delete", "get", "list", "watch")),
    ("pods/exec", ("create", "delete", "get", "patch")),
    ("pods/attach", ("create", "delete", "get", "patch")),
    ("pods/log", ("get", "list")),
    ("secrets", ("create", "delete", "get", "update")),
    ("serviceaccounts", ("get",)),
    ("services", ("create", "get")),
    ("events", ("list", "watch")),
)

VIRTUAL_TAINT = "virtual-kubelet.io/provider"
_ZONE_NODE = re.compile(r"^virtual-kubelet-([a-z]+-[a-z0-9]+(?:-[a-z0-9]+)*?)-[a-z]$")


def _where(answers: Answers) -> str:
    return "the Kubernetes API server"


def request_timeout(timeouts: Timeouts) -> tuple[float, float]:
    return (timeouts.connect, timeouts.total)


def kubeconfig_dict(answers: Answers) -> tuple[dict, str]:
    """The kubeconfig as a dict, and the folder relative paths in it start from."""
    import yaml

    c = answers.cluster
    if c.kubeconfig:
        text, base = reveal(c.kubeconfig), ""
    elif c.kubeconfig_path:
        path = Path(c.kubeconfig_path).expanduser()
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise CheckFailed(
                f"cannot read {path}: {exc.strerror or type(exc).__name__}; check cluster.kubeconfig_path"
            ) from None
        base = str(path.parent.resolve())
    else:
        raise CheckFailed("no kubeconfig yet; paste one or give its path")
    try:
        # libyaml's loader when present: several checks parse this at once.
        data = yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    except yaml.YAMLError:
        raise CheckFailed(
            "the kubeconfig is not valid YAML; fix it on this screen"
        ) from None
    if not isinstance(data, dict):
        raise CheckFailed(
            "the kubeconfig is not a kubeconfig mapping; paste the whole file"
        )
    return data, base


def _named(items: object, name: str) -> dict:
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict) and item.get("name") == name:
            return item
    return {}


def active_context(data: dict, answers: Answers) -> str:
    contexts = [
        str(c.get("name")) for c in data.get("contexts") or [] if isinstance(c, dict)
    ]
    chosen = answers.cluster.context or data.get("current-context") or ""
    if not chosen and len(contexts) == 1:
        chosen = contexts[0]
    if not chosen:
        raise CheckFailed(
            f"pick a context: {', '.join(contexts) or 'the kubeconfig has none'}"
        )
    if chosen not in contexts:
        raise CheckFailed(
            f"context {chosen!r} is not in the kubeconfig; pick one of {', '.join(contexts)}"
        )
    return chosen


def _check_exec_plugin(data: dict, context: str, base: str) -> None:
    """Fail early, and plainly, when an exec credential plugin is not installed."""
    ctx = _named(data.get("contexts"), context).get("context") or {}
    user = (_named(data.get("users"), ctx.get("user", "")).get("user")) or {}
    plugin = user.get("exec") if isinstance(user, dict) else None
    if not isinstance(plugin, dict):
        return
    command = str(plugin.get("command") or "")
    if "/" in command and not os.path.isabs(command) and base:
        command = os.path.join(base, command)
    found = (
        os.access(command, os.X_OK)
        if "/" in command
        else shutil.which(command) is not None
    )
    if not found:
        raise CheckFailed(
            f"the kubeconfig's credential plugin {command!r} is not installed here; "
            "install it on this machine (and the runner's), or use a certificate or token"
        )


_clients: dict[str, ApiClient] = {}
_clients_lock = threading.Lock()


def api_client(answers: Answers, timeouts: Timeouts) -> ApiClient:
    """An ApiClient for the chosen context; CheckFailed when it cannot be built.

    The checks of one screen start together: they share one client (and its
    TLS setup and connection pool) instead of each building its own.
    """
    data, base = kubeconfig_dict(answers)
    context = active_context(data, answers)
    _check_exec_plugin(data, context, base)
    key = hashlib.sha256(repr((data, base, context)).encode()).hexdigest()
    with _clients_lock:
        if key not in _clients:
            if len(_clients) >= 4:
                _clients.pop(next(iter(_clients)))
            _clients[key] = _new_client(data, base, context)
        return _clients[key]


_key_dir_path: list[str] = []


def _key_dir() -> str:
    """A private folder (0700) for the client's copies of certificates and keys.

    The client hands TLS files to urllib3 by path, so it writes the kubeconfig's
    embedded certificate and key to files; they stay in this folder, which is
    removed when the process ends.
    """
    if not _key_dir_path:
        path = tempfile.mkdtemp(prefix="ask-runner-wizard-kube-")
        atexit.register(shutil.rmtree, path, True)
        _key_dir_path.append(path)
    return _key_dir_path[0]


def _new_client(data: dict, base: str, context: str) -> ApiClient:
    from kubernetes import client
    from kubernetes.config.config_exception import ConfigException
    from kubernetes.config.kube_config import KubeConfigLoader

    cfg = client.Configuration()
    try:
        KubeConfigLoader(
            data,
            active_context=context,
            config_base_path=base,
            temp_file_path=_key_dir(),
        ).load_and_set(cfg)
    except (ConfigException, KeyError, TypeError, ValueError) as exc:
        raise CheckFailed(
            f"the kubeconfig does not load: {type(exc).__name__}; check its context, cluster and user"
        ) from None
    # The total timeout is the limit; the client's own retries would multiply it.
    cfg.retries = False
    return client.ApiClient(cfg)


def api_error(
    exc: Exception, answers: Answers, timeouts: Timeouts, what: str
) -> CheckFailed:
    """Translate an exception of a Kubernetes API call into a CheckFailed."""
    from kubernetes.client.exceptions import ApiException

    # The client turns TLS failures into ApiException(status=0), the cause kept
    # as its context, so the cause's type is looked at first.
    if network_kind(exc):
        return CheckFailed(describe(exc, _where(answers), timeouts.total))
    if isinstance(exc, ApiException):
        if exc.status == 401:
            return CheckFailed(
                f"{what}: the cluster refused the credentials (401); the certificate "
                "or token is wrong or expired: get a fresh kubeconfig"
            )
        if exc.status == 403:
            return CheckFailed(
                f"{what}: forbidden (403) for this identity; grant it the permission"
            )
        if exc.status == 404:
            return CheckFailed(f"{what}: not found (404)")
        return CheckFailed(
            f"{what}: the API server answered {exc.status} ({exc.reason})"
        )
    return CheckFailed(describe(exc, _where(answers), timeouts.total))


def _call(answers: Answers, timeouts: Timeouts, what: str, fn, *args, **kwargs):
    try:
        return fn(*args, _request_timeout=request_timeout(timeouts), **kwargs)
    except CheckFailed:
        raise
    except Exception as exc:
        raise api_error(exc, answers, timeouts, what) from None


# --- checks --------------------------------------------------------------------


def check_version(answers: Answers, timeouts: Timeouts) -> CheckResult:
    """The API server answers its version, as `kubectl version` did."""
    from kubernetes import client

    api = api_client(answers, timeouts)
    info = _call(answers, timeouts, "server version", client.VersionApi(api).get_code)
    return ok(f"Kubernetes {info.git_version} answers", server_version=info.git_version)


def whoami(answers: Answers, timeouts: Timeouts) -> tuple[str, list[str]]:
    from kubernetes import client

    api = api_client(answers, timeouts)
    review = _call(
        answers,
        timeouts,
        "who am I",
        client.AuthenticationV1Api(api).create_self_subject_review,
        client.V1SelfSubjectReview(),
    )
    info = review.status.user_info if review.status else None
    return (info.username or "" if info else ""), list(
        (info.groups or []) if info else []
    )


def check_identity(answers: Answers, timeouts: Timeouts) -> CheckResult:
    """Who the wizard is connected as; anonymous is an error."""
    user, groups = whoami(answers, timeouts)
    if user in ("", "system:anonymous") or "system:unauthenticated" in groups:
        return error(
            "connected anonymously: the kubeconfig's credentials are missing or were "
            "not accepted; use a kubeconfig with a client certificate or token"
        )
    return ok(f"connected as {user}", identity=user)


def check_namespace(answers: Answers, timeouts: Timeouts) -> CheckResult:
    """The job namespace exists (the screen offers to create it when it does not)."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    ns = answers.cluster.namespace
    api = api_client(answers, timeouts)
    try:
        client.CoreV1Api(api).read_namespace(
            ns, _request_timeout=request_timeout(timeouts)
        )
    except ApiException as exc:
        if exc.status == 404:
            return error(
                f"namespace {ns} does not exist; let the wizard create it, or run "
                f"kubectl create namespace {ns}",
                namespace_missing=True,
            )
        if exc.status == 403:
            return warning(
                f"may not read namespaces, so cannot tell whether {ns} exists; "
                "the permission check tells what the runner can do there"
            )
        raise api_error(exc, answers, timeouts, f"namespace {ns}") from None
    except Exception as exc:
        raise api_error(exc, answers, timeouts, f"namespace {ns}") from None
    return ok(f"namespace {ns} exists")


def create_namespace(answers: Answers, timeouts: Timeouts) -> str:
    """Create the job namespace; returns what was done, raises CheckFailed."""
    from kubernetes import client

    ns = answers.cluster.namespace
    api = api_client(answers, timeouts)
    body = client.V1Namespace(
        api_version="v1", kind="Namespace", metadata=client.V1ObjectMeta(name=ns)
    )
    _call(
        answers,
        timeouts,
        f"creating namespace {ns}",
        client.CoreV1Api(api).create_namespace,
        body,
    )
    return f"namespace {ns} created"


def missing_permissions(answers: Answers, timeouts: Timeouts) -> dict[str, list[str]]:
    """Resource → the verbs a SelfSubjectAccessReview denies in the job namespace."""
    from concurrent.futures import ThreadPoolExecutor

    from kubernetes import client

    api = client.AuthorizationV1Api(api_client(answers, timeouts))
    asks = [(resource, verb) for resource, verbs in PERMISSIONS for verb in verbs]

    def allowed(ask: tuple[str, str]) -> bool:
        resource, verb = ask
        name, _, sub = resource.partition("/")
        attrs = client.V1ResourceAttributes(
            namespace=answers.cluster.namespace,
            verb=verb,
            group="",
            resource=name,
            subresource=sub or None,
        )
        body = client.V1SelfSubjectAccessReview(
            spec=client.V1SelfSubjectAccessReviewSpec(resource_attributes=attrs)
        )
        review = _call(
            answers,
            timeouts,
            "permission check",
            api.create_self_subject_access_review,
            body,
        )
        return bool(review.status and review.status.allowed)

    # Two dozen reviews: a few at a time keeps them well inside the total timeout.
    with ThreadPoolExecutor(max_workers=6) as pool:
        verdicts = list(pool.map(allowed, asks))
    missing: dict[str, list[str]] = {}
    for (resource, verb), granted in zip(asks, verdicts, strict=True):
        if not granted:
            missing.setdefault(resource, []).append(verb)
    return missing


def check_permissions(answers: Answers, timeouts: Timeouts) -> CheckResult:
    """Every permission the Kubernetes executor needs, each missing one listed."""
    missing = missing_permissions(answers, timeouts)
    ns = answers.cluster.namespace
    if not missing:
        return ok(f"every permission the runner needs in {ns} is granted")
    listed = "; ".join(f"{res}: {', '.join(verbs)}" for res, verbs in missing.items())
    return error(
        f"missing in namespace {ns}: {listed}; bind a Role granting them to this identity",
        missing_permissions=missing,
    )


# --- cluster kind ----------------------------------------------------------------


def _configmap(answers, timeouts, api, name: str) -> dict[str, str] | None:
    """Data of kube-system/<name>; None when absent."""
    from kubernetes import client
    from kubernetes.client.exceptions import ApiException

    try:
        cm = client.CoreV1Api(api).read_namespaced_config_map(
            name, "kube-system", _request_timeout=request_timeout(timeouts)
        )
    except ApiException as exc:
        if exc.status == 404:
            return None
        raise api_error(exc, answers, timeouts, f"kube-system/{name}") from None
    except Exception as exc:
        raise api_error(exc, answers, timeouts, f"kube-system/{name}") from None
    return dict(cm.data or {})


def _is_virtual(node) -> bool:
    labels = node.metadata.labels or {}
    taints = node.spec.taints or [] if node.spec else []
    return (
        labels.get("type") == "virtual-kubelet"
        or any(t.key == VIRTUAL_TAINT for t in taints)
        or (node.metadata.name or "").startswith("virtual-kubelet-")
    )


def region_of_nodes(nodes) -> str:
    for node in nodes:
        m = _ZONE_NODE.match(node.metadata.name or "")
        if m:
            return m.group(1)
    for node in nodes:
        region = (node.metadata.labels or {}).get("topology.kubernetes.io/region")
        if region:
            return region
    return ""


def detect_kind(answers: Answers, timeouts: Timeouts) -> dict[str, object]:
    """Kind, region, VPC and vSwitches as far as the API tells them."""
    from kubernetes import client

    api = api_client(answers, timeouts)
    version = _call(
        answers, timeouts, "server version", client.VersionApi(api).get_code
    ).git_version
    acs = _configmap(answers, timeouts, api, "acs-profile")
    eci = _configmap(answers, timeouts, api, "eci-profile")
    nodes = _call(
        answers, timeouts, "listing nodes", client.CoreV1Api(api).list_node
    ).items
    virtual = [n for n in nodes if _is_virtual(n)]
    ordinary = [n for n in nodes if not _is_virtual(n)]

    if acs is not None:
        kind = "acs"
    elif virtual and not ordinary:
        kind = "ask"
    elif virtual:
        kind = "ack-eci"
    elif eci is not None:
        # A serverless cluster can list no node until its first pod lands.
        kind = "ask"
    else:
        kind = "other"
    profile = acs if acs is not None else (eci or {})
    vswitches = profile.get("vSwitchIds") or profile.get("vswitchIds") or ""
    return {
        "kind": kind,
        "region": region_of_nodes(nodes),
        "vpc_id": profile.get("vpcId", ""),
        "vswitch_ids": [v.strip() for v in vswitches.split(",") if v.strip()],
        "server_version": version,
        "alibaba_managed": "-aliyun" in (version or ""),
    }


def check_kind(answers: Answers, timeouts: Timeouts) -> CheckResult:
    """Detect the cluster kind and say when it differs from the answer."""
    facts = detect_kind(answers, timeouts)
    kind = str(facts["kind"])
    found = CLUSTER_KIND_LABELS[kind]
    extra = ", ".join(
        f"{label} {facts[key] if key != 'vswitch_ids' else ','.join(facts[key])}"
        for key, label in (
            ("region", "region"),
            ("vpc_id", "VPC"),
            ("vswitch_ids", "vSwitches"),
        )
        if facts[key]
    )
    said = f"detected {found}" + (f" ({extra})" if extra else "")
    if kind == "other" and facts["alibaba_managed"]:
        said += "; an Alibaba-managed cluster without virtual nodes: install ack-virtual-node to use ECI"
    chosen = answers.cluster.kind
    if kind == "ack-eci" and chosen in ("ack-eci", "ack-acs"):
        return ok(
            said.replace(CLUSTER_KIND_LABELS[kind], "ACK with virtual nodes"),
            **{**facts, "kind": chosen},
        )
    if chosen and chosen != kind:
        return warning(
            f"{said}, but the answers say {chosen}; pick {kind} unless you know better",
            **facts,
        )
    return ok(said, **facts)
