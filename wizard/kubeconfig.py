"""Reading a pasted kubeconfig without a Kubernetes client: contexts, servers, credentials."""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import yaml

from wizard.secret import mask

log = logging.getLogger(__name__)

# How a kubeconfig user proves who it is, as far as the runner is concerned.
CERT = "client-certificate"
TOKEN = "token"
BASIC = "basic"
EXEC = "exec"
AUTH_PROVIDER = "auth-provider"
NONE = "none"
# Kinds config.toml can hold directly (cert_file/key_file or bearer_token).
RUNNER_NATIVE = frozenset({CERT, TOKEN})


class KubeconfigError(ValueError):
    """A kubeconfig that cannot be used at all; the message names where and why."""

    def __init__(
        self, message: str, line: int | None = None, column: int | None = None
    ):
        super().__init__(message)
        self.line = line
        self.column = column


@dataclass(frozen=True)
class ContextInfo:
    """One context, resolved to its cluster and user entries."""

    name: str
    cluster: str
    user: str
    namespace: str = ""
    server: str = ""
    credential: str = NONE
    # The raw entries hold keys and tokens: kept out of repr on purpose.
    cluster_entry: dict = field(default_factory=dict, repr=False, compare=False)
    user_entry: dict = field(default_factory=dict, repr=False, compare=False)
    errors: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()


@dataclass(frozen=True)
class KubeconfigInfo:
    """What a kubeconfig offers, with the problems of each context."""

    contexts: tuple[ContextInfo, ...]
    clusters: tuple[str, ...]
    users: tuple[str, ...]
    current_context: str = ""  # "" when empty, missing or naming no context
    warnings: tuple[str, ...] = ()

    @property
    def context_names(self) -> list[str]:
        return [c.name for c in self.contexts]

    def context(self, name: str = "") -> ContextInfo | None:
        """The named context, or the current one when no name is given."""
        name = name or self.current_context
        return next((c for c in self.contexts if c.name == name), None)


def _mark(mark) -> str:
    return f"line {mark.line + 1}, column {mark.column + 1}"


# `key:` at the start of a YAML line, after any indentation and list dashes.
_YAML_KEY = re.compile(
    r"""^(\s*(?:-\s+)*)((?:"[^"]*"|'[^']*'|[^\s:#"'][^:#]*?)\s*:)(\s|$)"""
)


def masked_line(line: str) -> str:
    """A kubeconfig line fit for a message: its key kept, any value masked.

    Every value of a kubeconfig may be a credential (a token, key data, a
    password), so none is shown, whatever its key.
    """
    m = _YAML_KEY.match(line)
    if m is None:
        lead = re.match(r"\s*(?:-\s+)*", line).group(0)
        rest = line[len(lead) :]
        return lead + (mask(rest.strip()) if rest.strip() else "")
    rest = line[m.end(2) :]
    return m.group(1) + m.group(2) + (" " + mask(rest.strip()) if rest.strip() else "")


def _yaml_error(exc: yaml.YAMLError, text: str) -> KubeconfigError:
    problem_mark = getattr(exc, "problem_mark", None)
    context_mark = getattr(exc, "context_mark", None)
    problem = getattr(exc, "problem", None) or str(exc)
    context = getattr(exc, "context", None)
    if problem_mark is None:
        return KubeconfigError(f"not valid YAML: {problem}")
    message = f"not valid YAML at {_mark(problem_mark)}: {problem}"
    lines = text.splitlines()
    if problem_mark.line < len(lines) and lines[problem_mark.line].strip():
        shown = masked_line(lines[problem_mark.line]).strip()
        message += f" (that line is {shown!r})"
    if context_mark is not None and context:
        message += f", {context} at {_mark(context_mark)}"
    message += "; check the indentation of the lines between them"
    return KubeconfigError(message, problem_mark.line + 1, problem_mark.column + 1)


def _named(items, kind: str, inner: str, notes: list[str]) -> dict[str, dict]:
    """The `name:` / `<inner>:` list entries of one top-level section."""
    found: dict[str, dict] = {}
    if items is None:
        return found
    if not isinstance(items, list):
        notes.append(f"`{kind}` should be a list; it was ignored")
        return found
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("name"), str):
            notes.append(f"{kind}[{index}] has no name; it was ignored")
            continue
        body = item.get(inner)
        found[item["name"]] = body if isinstance(body, dict) else {}
    return found


def _credential(user: dict) -> str:
    if user.get("exec"):
        return EXEC
    if user.get("auth-provider"):
        return AUTH_PROVIDER
    has_cert = user.get("client-certificate-data") or user.get("client-certificate")
    has_key = user.get("client-key-data") or user.get("client-key")
    if has_cert and has_key:
        return CERT
    if user.get("token") or user.get("tokenFile"):
        return TOKEN
    if user.get("username") or user.get("password"):
        return BASIC
    return NONE


def _check_context(name: str, cluster: dict, user: dict, cred: str):
    errors: list[str] = []
    warnings: list[str] = []
    server = str(cluster.get("server") or "")
    if not server:
        errors.append(f"context {name}: its cluster has no server address")
    elif urlsplit(server).scheme == "http":
        warnings.append(
            f"context {name}: the API server {server} is plain HTTP, so credentials "
            "and job data cross the network unencrypted; use its https address"
        )
    if cluster.get("insecure-skip-tls-verify"):
        warnings.append(
            f"context {name}: TLS verification is off (insecure-skip-tls-verify); "
            "add the cluster's CA certificate instead"
        )
    if cred == NONE:
        warnings.append(
            f"context {name}: its user has no credentials (no certificate, token or "
            "exec plugin); the runner cannot use it as is, copy the kubeconfig again "
            "from the cluster's connection information"
        )
    elif cred == BASIC:
        errors.append(
            f"context {name}: username/password login is not supported by the "
            "runner; use a certificate or a token"
        )
    return tuple(errors), tuple(warnings)


def parse_kubeconfig(text: str) -> KubeconfigInfo:
    """Parse kubeconfig text; raise KubeconfigError when it is unusable as a whole."""
    if not text.strip():
        raise KubeconfigError("the kubeconfig is empty; paste the whole file")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc, text) from None
    if not isinstance(data, dict):
        raise KubeconfigError(
            "not a kubeconfig: expected keys such as clusters, contexts and users"
        )

    notes: list[str] = []
    kind = data.get("kind")
    if kind not in (None, "Config"):
        raise KubeconfigError(f"not a kubeconfig: kind is {kind!r}, expected Config")
    clusters = _named(data.get("clusters"), "clusters", "cluster", notes)
    users = _named(data.get("users"), "users", "user", notes)
    raw_contexts = _named(data.get("contexts"), "contexts", "context", notes)
    if not raw_contexts:
        raise KubeconfigError(
            "the kubeconfig has no contexts; copy the whole file from the "
            "cluster's connection information"
        )

    contexts = []
    for name, ctx in raw_contexts.items():
        cluster_name = str(ctx.get("cluster") or "")
        user_name = str(ctx.get("user") or "")
        cluster = clusters.get(cluster_name)
        user = users.get(user_name)
        errors: list[str] = []
        if cluster is None:
            errors.append(
                f"context {name}: names cluster {cluster_name!r}, which is not in clusters"
            )
            cluster = {}
        if user is None:
            errors.append(
                f"context {name}: names user {user_name!r}, which is not in users"
            )
            user = {}
        cred = _credential(user)
        more_errors, warnings = _check_context(name, cluster, user, cred)
        contexts.append(
            ContextInfo(
                name=name,
                cluster=cluster_name,
                user=user_name,
                namespace=str(ctx.get("namespace") or ""),
                server=str(cluster.get("server") or ""),
                credential=cred,
                cluster_entry=cluster,
                user_entry=user,
                errors=tuple(errors) + more_errors,
                warnings=warnings,
            )
        )

    current = data.get("current-context") or ""
    if not isinstance(current, str):
        current = ""
    if current and current not in raw_contexts:
        notes.append(f"current-context {current!r} names no context; pick one")
        current = ""
    return KubeconfigInfo(
        contexts=tuple(contexts),
        clusters=tuple(clusters),
        users=tuple(users),
        current_context=current,
        warnings=tuple(notes),
    )


def service_kubeconfig(info: KubeconfigInfo, context: str) -> str:
    """A kubeconfig holding only one context, for the runner service's own user."""
    ctx = info.context(context)
    if ctx is None:
        raise KubeconfigError(f"no context named {context!r}")
    doc = {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": ctx.cluster, "cluster": ctx.cluster_entry}],
        "users": [{"name": ctx.user, "user": ctx.user_entry}],
        "contexts": [
            {"name": ctx.name, "context": {"cluster": ctx.cluster, "user": ctx.user}}
        ],
        "current-context": ctx.name,
    }
    return yaml.safe_dump(doc, sort_keys=False, default_flow_style=False)
