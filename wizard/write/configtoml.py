"""Merging the wizard's answers into config.toml, key by key, through tomlkit.

The file is never regenerated. The wizard edits one `[[runners]]` entry (or
appends one) and within it changes only the keys listed in OWNED below.
Every other runner, global key, comment and unknown key keeps its bytes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

import tomlkit
from tomlkit.exceptions import ParseError
from tomlkit.items import AoT, Array, KeyType, SingleKey, Table

from wizard.model import Answers
from wizard.problems import InvalidAnswers, Problem
from wizard.secret import reveal
from wizard.validate import ACS_KINDS, ECI_KINDS, oss_internal_endpoint, token_kind

ECI = "k8s.aliyun.com/"
SERVICE_HOST_ENTRY = "CI_SERVICE_HOST=127.0.0.1"
VIRTUAL_NODE_SELECTOR = ("type", "virtual-kubelet")
VIRTUAL_NODE_TOLERATION = ("virtual-kubelet.io/provider=alibabacloud", "NoSchedule")
ARCH_SELECTOR = "kubernetes.io/arch"

# Everything the wizard may set or remove, in one place. A key not listed
# here is never touched; a listed key the answers no longer call for is
# removed (a price limit after switching to market, say).
OWNED = {
    "runners": (
        "name",
        "url",
        "id",
        "token",
        "token_obtained_at",
        "token_expires_at",
        "executor",
        "tls-ca-file",
        # only its CI_SERVICE_HOST entry; other entries are kept as they are
        "environment",
    ),
    "runners.kubernetes": (
        "host",
        "ca_file",
        "cert_file",
        "key_file",
        "bearer_token",
        "context",
        "namespace",
        "image",  # only when the answers name one
        "helper_image",  # only when the answers name one
        *(
            f"{who}{what}_{kind}"
            for who in ("", "service_", "helper_")
            for what in ("cpu", "memory")
            for kind in ("request", "limit")
        ),
    ),
    "runners.kubernetes.pod_annotations": (
        ECI + "eci-spot-strategy",
        ECI + "eci-spot-price-limit",
        ECI + "eci-spot-duration",
        ECI + "eci-spot-fallback",
        ECI + "eci-use-specs",
        ECI + "eci-with-eip",
        ECI + "eip-bandwidth",
        "alibabacloud.com/pod-required-spec",
    ),
    "runners.kubernetes.pod_labels": (
        "alibabacloud.com/compute-class",
        "alibabacloud.com/compute-qos",
        "alibabacloud.com/eci",
        "alibabacloud.com/acs",
    ),
    # `type` only while it is "virtual-kubelet"; the arch only while "arm64"
    # unless the answers ask for arm64 (an "amd64" set by hand is kept).
    "runners.kubernetes.node_selector": (VIRTUAL_NODE_SELECTOR[0], ARCH_SELECTOR),
    "runners.kubernetes.node_tolerations": (VIRTUAL_NODE_TOLERATION[0],),
    # the one entry whose name is the cache PVC's
    "runners.kubernetes.volumes.pvc": ("name", "mount_path"),
    # only while the s3 cache points at an OSS endpoint
    # Shared is left to the operator: it only matters with several runners.
    "runners.cache": ("Type", "Path"),
    "runners.cache.s3": (
        "ServerAddress",
        "AccessKey",
        "SecretKey",
        "BucketName",
        "BucketLocation",
        "PathStyle",
    ),
}
RESOURCE_KEYS = OWNED["runners.kubernetes"][9:]
ACCESS_KEYS = ("host", "ca_file", "cert_file", "key_file", "bearer_token", "context")


@dataclass(frozen=True)
class ClusterAccess:
    """How the runner reaches the cluster: config.toml keys (paths, not contents)."""

    host: str = ""
    ca_file: str = ""
    cert_file: str = ""
    key_file: str = ""
    bearer_token: str = field(default="", repr=False)
    context: str = ""  # set when the runner reads a kubeconfig instead


@dataclass
class MergeResult:
    """The merged text, notes for the operator, and every key written."""

    # The text and the written values hold tokens and keys: kept out of repr.
    text: str = field(repr=False)
    notes: list[str] = field(default_factory=list)
    # Every (dotted path, value) written, for the key-table test and the review.
    written: list[tuple[str, object]] = field(default_factory=list, repr=False)


class ConfigError(InvalidAnswers):
    """config.toml cannot be merged into (it does not parse, or the entry is ambiguous)."""


def parse_config(text: str, name: str = "config.toml") -> tomlkit.TOMLDocument:
    """Parse config.toml, turning a syntax error into a Problem with line and column."""
    from wizard.lint import parse_problem

    try:
        doc = tomlkit.parse(text)
    except ParseError as exc:
        problem = parse_problem(text, exc, name)
        raise ConfigError(
            [Problem(problem.field, f"{problem.message}; nothing was changed")]
        ) from None
    _check_runners_shape(doc, text, name)
    return doc


def _check_runners_shape(doc: tomlkit.TOMLDocument, text: str, name: str) -> None:
    """`runners` must be [[runners]] tables for the wizard to edit one in place."""
    runners = doc.get("runners")
    if runners is None or isinstance(runners, AoT):
        return
    if isinstance(runners, list) and not runners:
        # An empty inline array holds no runner, so [[runners]] tables can
        # replace it without losing anything.
        del doc["runners"]
        return
    match = re.search(r"^[ \t]*(\[runners\]|runners[ \t]*=)", text, re.MULTILINE)
    line = text.count("\n", 0, match.start()) + 1 if match else 1
    raise ConfigError(
        [
            Problem(
                f"{name}:{line}:1",
                f"runners is {_kind(runners)}, but gitlab-runner wants [[runners]] "
                "tables (one per runner); rewrite it that way; nothing was changed",
            )
        ]
    )


def _kind(value) -> str:
    from wizard.lint import toml_type_name

    name = toml_type_name(value)
    return ("an " if name[0] in "aeiou" else "a ") + name


def _shape_problems(runner, where: str) -> list[Problem]:
    """Values of the wrong TOML type where the wizard must edit inside them."""
    wanted = [
        (("environment",), list, 'an array of "KEY=value" strings'),
        (("kubernetes",), dict, "a table"),
        (("cache",), dict, "a table"),
        (("cache", "s3"), dict, "a table"),
        (("kubernetes", "volumes"), dict, "a table"),
        (("kubernetes", "volumes", "pvc"), AoT, "an array of tables [[…]]"),
    ] + [
        (("kubernetes", name), dict, 'a table of "name" = "value"')
        for name in (
            "pod_annotations",
            "pod_labels",
            "node_selector",
            "node_tolerations",
        )
    ]
    problems = []
    for path, kind, expected in wanted:
        node = runner
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
            if node is None:
                break
        if node is None:
            continue
        ok = isinstance(node, kind)
        if kind is list and isinstance(node, AoT):
            ok = False
        if kind is dict and isinstance(node, AoT | list):
            ok = False
        if not ok:
            dotted = "runners." + ".".join(path)
            problems.append(
                Problem(
                    f"{where}: {dotted}",
                    f"is {_kind(node)}, the runner expects {expected}; "
                    "fix it first (the wizard's lint offers the fix), nothing was changed",
                )
            )
    return problems


def _runner_lines(text: str) -> list[int]:
    return [
        i + 1
        for i, line in enumerate(text.splitlines())
        if re.match(r"^\s*\[\[\s*runners\s*\]\]", line)
    ]


def runner_labels(runners, text: str) -> list[str]:
    """Each entry's name, or "(unnamed, line N)" so an entry without one can be found."""
    lines = _runner_lines(text)
    labels = []
    for i, entry in enumerate(runners or []):
        name = entry.get("name") if isinstance(entry, dict) else None
        if isinstance(name, str) and name:
            labels.append(name)
        else:
            where = f"line {lines[i]}" if i < len(lines) else f"entry {i + 1}"
            labels.append(f"(unnamed, {where})")
    return labels


def find_runner(doc, name: str, text: str = "") -> int | None:
    """Index of the [[runners]] entry named `name`; ConfigError when ambiguous."""
    runners = doc.get("runners")
    if runners is None:
        return None
    hits = [i for i, r in enumerate(runners) if r.get("name") == name]
    if len(hits) > 1:
        lines = _runner_lines(text)
        where = ", ".join(
            f"line {lines[i]}" if i < len(lines) else f"entry {i + 1}" for i in hits
        )
        raise ConfigError(
            [
                Problem(
                    "target.runner",
                    f"config.toml has {len(hits)} runners named {name!r} ({where}); "
                    "remove or rename the extra ones first",
                )
            ]
        )
    return hits[0] if hits else None


# --- small tomlkit helpers that keep the file's own layout ------------------


def _indent_of(table) -> str | None:
    for key, item in table.value.body:
        if key is not None and not isinstance(item, Table | AoT):
            return item.trivia.indent.lstrip("\n")
    return None


def _header_indent(table) -> str:
    return table.trivia.indent.lstrip("\n")


def _trivia(item):
    # Whitespace items raise RuntimeError (not AttributeError) for .trivia.
    try:
        return item.trivia
    except (AttributeError, RuntimeError):
        return None


def _keep_layout(table, change) -> None:
    """Run `change(table)`; undo the blank lines tomlkit adds before later tables."""
    before = {}
    for _, item in table.value.body:
        trivia = _trivia(item)
        if trivia is not None:
            before[id(item)] = trivia.indent
    change(table)
    for _, item in table.value.body:
        trivia = _trivia(item)
        if trivia is not None and id(item) in before:
            trivia.indent = before[id(item)]


def _last_table(table):
    """The table whose lines end this one's text: its deepest last sub-table."""
    while True:
        last = next((v for k, v in reversed(table.value.body) if k is not None), None)
        if isinstance(last, Table):
            table = last
        elif isinstance(last, AoT) and last.body:
            table = last.body[-1]
        else:
            return table


def _detach_tail(runner) -> list:
    """Take the blank lines and comments that end a runner entry's text.

    TOML parsers file a comment written above the next `[[runners]]` under
    the last table before it, so a sub-table added to this entry would land
    below that comment and take it away from the runner it introduces. The
    caller puts them back after the entry's new last table.
    """
    body = _last_table(runner).value.body
    tail = []
    while body and body[-1][0] is None:
        tail.insert(0, body.pop())
    return tail


def _map_key(name: str) -> SingleKey:
    # Map keys are always quoted: a bare dotted key would become nested tables.
    return SingleKey(name, KeyType.Basic)


def _set(table, key: str, value, *, indent: str, quoted: bool = False) -> None:
    if key in table:
        current = table[key]
        plain = current.unwrap() if hasattr(current, "unwrap") else current
        if plain != value or type(plain) is not type(value):
            item = tomlkit.item(value)
            old = table.value.item(key)
            item.trivia.indent = old.trivia.indent
            item.trivia.comment_ws = old.trivia.comment_ws
            item.trivia.comment = old.trivia.comment
            item.trivia.trail = old.trivia.trail
            table[key] = item
        return
    item = tomlkit.item(value)
    new_key = _map_key(key) if quoted else key

    def add(t):
        body = t.value.body
        last = max(
            (
                i
                for i, (k, v) in enumerate(body)
                if k is not None and not isinstance(v, Table | AoT)
            ),
            default=None,
        )
        # Insert right after the last key, not after the comments that
        # introduce the next sub-table; tomlkit offers that only privately, so
        # fall back to a plain append if a release drops it.
        insert_at = getattr(t.value, "_insert_at", None)
        if last is not None and last + 1 < len(body) and insert_at is not None:
            insert_at(last + 1, new_key, item)
        else:
            t.append(new_key, item)

    _keep_layout(table, add)
    item.trivia.indent = indent


def _remove(table, key: str) -> bool:
    if table is not None and key in table:
        del table[key]
        return True
    return False


def _child_table(parent, key: str, header_indent: str):
    """parent[key] as a table, created (and indented like its siblings) when missing."""
    if key in parent:
        return parent[key]
    table = tomlkit.table()
    _keep_layout(parent, lambda t: t.append(key, table))
    table.trivia.indent = header_indent
    return table


# --- what the answers call for ----------------------------------------------


def _token(answers: Answers) -> str:
    r = answers.registration
    if r.runner_token:
        return r.runner_token.reveal()
    token = reveal(r.token)
    return token if token_kind(token) == "runner" else ""


def _annotations(a: Answers) -> dict[str, str]:
    kind = a.cluster.kind
    want: dict[str, str] = {}
    if kind in ECI_KINDS:
        s = a.spot
        if s.strategy in ("market", "cap"):
            want[ECI + "eci-spot-strategy"] = (
                "SpotAsPriceGo" if s.strategy == "market" else "SpotWithPriceLimit"
            )
            if s.strategy == "cap":
                want[ECI + "eci-spot-price-limit"] = s.price_limit
            # ECI's defaults (1 hour, no fallback) are left unwritten.
            if s.protection_hours != 1:
                want[ECI + "eci-spot-duration"] = str(s.protection_hours)
            if s.fallback:
                want[ECI + "eci-spot-fallback"] = "true"
        if a.resources.specs:
            want[ECI + "eci-use-specs"] = ",".join(
                e.strip() for e in a.resources.specs.split(",") if e.strip()
            )
        if a.networking.egress == "eip":
            want[ECI + "eci-with-eip"] = "true"
            want[ECI + "eip-bandwidth"] = str(a.networking.eip_bandwidth)
    elif kind in ACS_KINDS and a.resources.specs:
        want["alibabacloud.com/pod-required-spec"] = a.resources.specs.strip()
    return want


def _labels(a: Answers, selector_form: bool) -> dict[str, str]:
    kind = a.cluster.kind
    want: dict[str, str] = {}
    if kind in ACS_KINDS:
        want["alibabacloud.com/compute-class"] = a.resources.compute_class
        want["alibabacloud.com/compute-qos"] = (
            "best-effort" if a.spot.strategy == "market" else "default"
        )
    if kind == "ack-eci" and not selector_form:
        want["alibabacloud.com/eci"] = "true"
    if kind == "ack-acs":
        want["alibabacloud.com/acs"] = "true"
    return want


def _uses_selector_form(kube) -> bool:
    """ACK+ECI placement already done by node selector + toleration: keep that form."""
    if kube is None:
        return False
    sel = kube.get("node_selector") or {}
    tol = kube.get("node_tolerations") or {}
    return (
        sel.get(VIRTUAL_NODE_SELECTOR[0]) == VIRTUAL_NODE_SELECTOR[1]
        and VIRTUAL_NODE_TOLERATION[0] in tol
    )


def _sync_map(
    kube, name: str, want: dict[str, str], owned, indent: str, written, removable=None
) -> list[str]:
    """Make the owned keys of one map table match `want`; foreign keys stay."""
    notes = []
    table = kube.get(name)
    stale = [k for k in owned if k not in want and table is not None and k in table]
    if removable is not None:
        stale = [k for k in stale if removable(k, table[k])]
    for key in stale:
        _remove(table, key)
        notes.append(f"removed {name} {key!r}: the new settings no longer need it")
    if want:
        table = _child_table(kube, name, indent)
        inner = _indent_of(table) or indent + "  "
        for key, value in want.items():
            _set(table, key, value, indent=inner, quoted=True)
            written.append((f"runners.kubernetes.{name}", {key: value}))
    # A table the wizard emptied stays, empty: harmless, and removing it could
    # take the comment above it along.
    return notes


def merge_config(
    text: str | None,
    answers: Answers,
    access: ClusterAccess,
    *,
    name: str = "config.toml",
) -> MergeResult:
    """config.toml text with the answers merged in; raises ConfigError."""
    doc = parse_config(text, name) if text else tomlkit.document()
    notes: list[str] = []
    written: list[tuple[str, object]] = []
    if not text:
        # gitlab-runner's own default; never 0, which the runner reads as 1.
        doc.add("concurrent", 1)
        written.append(("concurrent", 1))
        notes.append(
            "concurrent = 1 runs one job at a time; raise it for parallel jobs"
        )

    t = answers.target
    token = _token(answers)
    index = None
    if t.mode == "edit":
        index = find_runner(doc, t.runner, text or "")
        if index is None:
            known = runner_labels(doc.get("runners", []), text or "")
            raise ConfigError(
                [
                    Problem(
                        "target.runner",
                        f"{name} has no runner named {t.runner!r}"
                        + (
                            f"; it has: {', '.join(known)}"
                            if known
                            else "; choose mode new"
                        ),
                    )
                ]
            )
    else:
        new_name = answers.registration.name
        index = find_runner(doc, new_name, text or "")
        if index is not None and not (
            token and doc["runners"][index].get("token") == token
        ):
            raise ConfigError(
                [
                    Problem(
                        "registration.name",
                        f"{name} already has a runner named {new_name!r}; edit it "
                        "(mode edit) or pick another name",
                    )
                ]
            )
        if index is not None:
            # Same name and same token: the entry an earlier run of these
            # answers wrote, so running them again updates it in place.
            notes.append(
                f"runner {new_name!r} is already in {name} with this token; "
                "it was updated in place instead of added again"
            )
    twin = _token_twin(doc, token, index, text or "")
    if twin is not None:
        raise ConfigError(
            [
                Problem(
                    "registration.runner_token",
                    f"runner {twin!r} in {name} already uses this token; "
                    + (
                        "each entry needs its own runner token"
                        if index is not None
                        else "edit that entry (mode edit) instead of adding a second one"
                    ),
                )
            ]
        )
    if index is not None:
        runner = doc["runners"][index]
    else:
        runner = tomlkit.table()
        runners = doc.get("runners")
        if runners is None:
            runners = tomlkit.aot()
            doc.append("runners", runners)
        runners.append(runner)
        runner = doc["runners"][len(doc["runners"]) - 1]
        runner.trivia.indent = "\n" if text else ""

    shape = _shape_problems(runner, name)
    if shape:
        raise ConfigError(shape)
    tail = _detach_tail(runner)
    notes += _merge_runner(runner, answers, access, written, is_new=index is None)
    _last_table(runner).value.body.extend(tail)
    _warn_concurrency(doc, runner, notes)
    merged = tomlkit.dumps(doc)
    if text and "\r\n" in text:
        # A file kept with Windows line endings keeps them on the new lines too.
        merged = merged.replace("\r\n", "\n").replace("\n", "\r\n")
    return MergeResult(merged, notes, written)


def _token_twin(doc, token: str, own: int | None, text: str) -> str | None:
    """The name of another entry already using `token`, if any."""
    if not token:
        return None
    runners = doc.get("runners", [])
    for i, r in enumerate(runners):
        if i != own and r.get("token") == token:
            return runner_labels(runners, text)[i]
    return None


def _warn_concurrency(doc, runner, notes: list[str]) -> None:
    concurrent = doc.get("concurrent", 1)
    limit = runner.get("limit")
    if isinstance(limit, int) and isinstance(concurrent, int) and limit > concurrent:
        notes.append(
            f"this runner's limit = {limit} but the global concurrent = {concurrent} caps "
            f"every runner: at most {concurrent} job(s) run at once; raise concurrent"
        )


def _merge_runner(
    runner, a: Answers, access: ClusterAccess, written, *, is_new: bool
) -> list[str]:
    notes: list[str] = []
    r = a.registration
    ind = _indent_of(runner) or ("  " if not is_new else "  ")

    def put(key, value, table=runner, indent=None, prefix="runners"):
        _set(table, key, value, indent=indent if indent is not None else ind)
        written.append((f"{prefix}.{key}", value))

    if r.name or is_new:
        put("name", r.name)
    put("url", r.url)
    token = _token(a)
    if token:
        old = runner.get("token")
        put("token", token)
        if r.runner_id is not None:
            put("id", r.runner_id)
        if old is not None and old != token:
            # The old token's dates would make the runner rotate the new one.
            for key in ("token_obtained_at", "token_expires_at"):
                _remove(runner, key)
        if r.token_obtained_at:
            put("token_obtained_at", _utc(r.token_obtained_at))
        if r.token_expires_at:
            put("token_expires_at", _utc(r.token_expires_at))
    elif is_new:
        raise ConfigError(
            [
                Problem(
                    "registration.runner_token",
                    "no runner token: give a glrt- token, or the runner token a "
                    "registration returned (offline mode cannot exchange a registration token)",
                )
            ]
        )
    if runner.get("executor") not in (None, "kubernetes"):
        notes.append(
            f"executor changed from {runner.get('executor')!r} to 'kubernetes'"
        )
    put("executor", "kubernetes")
    if r.tls_ca_file:
        put("tls-ca-file", r.tls_ca_file)

    _merge_environment(runner, a, ind, written)
    notes += _merge_kubernetes(runner, a, access, ind, written)
    notes += _merge_cache(runner, a, ind, written)
    return notes


def _utc(value: dt.datetime) -> dt.datetime:
    return value.astimezone(dt.UTC)


def _merge_environment(runner, a: Answers, ind: str, written) -> None:
    env = runner.get("environment")
    if a.networking.service_host_env:
        if env is None:
            _set(runner, "environment", [SERVICE_HOST_ENTRY], indent=ind)
        elif SERVICE_HOST_ENTRY not in env:
            others = [
                i for i, v in enumerate(env) if str(v).startswith("CI_SERVICE_HOST=")
            ]
            for i in reversed(others):
                del env[i]
            env.append(SERVICE_HOST_ENTRY)
        written.append(("runners.environment", [SERVICE_HOST_ENTRY]))
    elif isinstance(env, Array | list) and SERVICE_HOST_ENTRY in env:
        env.remove(SERVICE_HOST_ENTRY)


def _merge_kubernetes(
    runner, a: Answers, access: ClusterAccess, ind: str, written
) -> list[str]:
    notes: list[str] = []
    kube = _child_table(runner, "kubernetes", _header_indent(runner) + ind)
    kind_ind = _indent_of(kube) or _header_indent(kube) + "  "
    sub_header = kind_ind

    def put(key, value):
        _set(kube, key, value, indent=kind_ind)
        written.append((f"runners.kubernetes.{key}", value))

    for key in ACCESS_KEYS:
        value = getattr(access, key)
        if value:
            put(key, value)
        elif key in kube and key != "host":
            _remove(kube, key)
        elif key == "host" and key in kube:
            # host = "" is how the registered file says "not set"; keep that form.
            put("host", "")
    put("namespace", a.cluster.namespace)
    if a.images.image:
        put("image", a.images.image)
    if a.images.helper_image:
        put("helper_image", a.images.helper_image)
    for key in RESOURCE_KEYS:
        value = getattr(a.resources, key)
        if value:
            put(key, value)
        else:
            _remove(kube, key)

    selector_form = a.cluster.kind == "ack-eci" and _uses_selector_form(kube)
    notes += _sync_map(
        kube,
        "pod_annotations",
        _annotations(a),
        OWNED["runners.kubernetes.pod_annotations"],
        sub_header,
        written,
    )
    notes += _sync_map(
        kube,
        "pod_labels",
        _labels(a, selector_form),
        OWNED["runners.kubernetes.pod_labels"],
        sub_header,
        written,
    )

    selector: dict[str, str] = {}
    tolerations: dict[str, str] = {}
    if selector_form:
        selector[VIRTUAL_NODE_SELECTOR[0]] = VIRTUAL_NODE_SELECTOR[1]
        tolerations[VIRTUAL_NODE_TOLERATION[0]] = VIRTUAL_NODE_TOLERATION[1]
    if a.images.arch == "arm64":
        selector[ARCH_SELECTOR] = "arm64"

    def ours(key, value):
        if key == VIRTUAL_NODE_SELECTOR[0]:
            return value == VIRTUAL_NODE_SELECTOR[1]
        if key == ARCH_SELECTOR:
            return value == "arm64"
        return True

    notes += _sync_map(
        kube,
        "node_selector",
        selector,
        OWNED["runners.kubernetes.node_selector"],
        sub_header,
        written,
        ours,
    )
    notes += _sync_map(
        kube,
        "node_tolerations",
        tolerations,
        OWNED["runners.kubernetes.node_tolerations"],
        sub_header,
        written,
    )
    if a.cluster.kind == "ack-eci":
        notes.append(
            "job pods reach the ECI virtual node through "
            + (
                "the existing node selector and toleration"
                if selector_form
                else "the pod label alibabacloud.com/eci=true"
            )
        )
    _merge_pvc(kube, a, sub_header, written)
    return notes


def _merge_pvc(kube, a: Answers, header: str, written) -> None:
    c = a.cache
    volumes = kube.get("volumes")
    pvcs = volumes.get("pvc") if volumes is not None else None
    mounted = c.mode in ("csi", "flexvolume")
    existing = None
    if pvcs is not None:
        existing = next(
            (i for i, e in enumerate(pvcs) if e.get("name") == c.pvc_name), None
        )
    if not mounted:
        if existing is not None:
            del pvcs[existing]
        return
    if existing is not None:
        entry = pvcs[existing]
        _set(
            entry,
            "mount_path",
            c.mount_path,
            indent=_indent_of(entry) or header + "    ",
        )
    else:
        volumes = _child_table(kube, "volumes", header)
        entry = tomlkit.table()
        entry.add("name", c.pvc_name)
        entry.add("mount_path", c.mount_path)
        if pvcs is None:
            aot = tomlkit.aot()
            aot.append(entry)
            _keep_layout(volumes, lambda t: t.append("pvc", aot))
        else:
            pvcs.append(entry)
        entry_header = _header_indent(volumes) + "  "
        entry = volumes["pvc"][len(volumes["pvc"]) - 1]
        entry.trivia.indent = entry_header
        for _, item in entry.value.body:
            item.trivia.indent = entry_header + "  "
    written.append(("runners.kubernetes.volumes.pvc.name", c.pvc_name))
    written.append(("runners.kubernetes.volumes.pvc.mount_path", c.mount_path))


def s3_server_address(a: Answers) -> str:
    return a.cache.endpoint or oss_internal_endpoint(a.cache.region)


def _ours_s3(cache) -> bool:
    s3 = cache.get("s3") if cache is not None else None
    address = str((s3 or {}).get("ServerAddress", ""))
    return cache.get("Type") == "s3" and address.endswith(".aliyuncs.com")


def _merge_cache(runner, a: Answers, ind: str, written) -> list[str]:
    c = a.cache
    cache = runner.get("cache")
    if c.mode != "s3":
        if cache is not None and _ours_s3(cache):
            for key in OWNED["runners.cache"]:
                _remove(cache, key)
            for key in OWNED["runners.cache.s3"]:
                _remove(cache["s3"], key)
            return ["removed the OSS s3 cache settings: the cache is now " + c.mode]
        return []
    cache = _child_table(runner, "cache", _header_indent(runner) + ind)
    cache_ind = _indent_of(cache) or _header_indent(cache) + "  "
    values = {"Type": "s3"}
    path = c.path.strip("/")
    for key, value in values.items():
        _set(cache, key, value, indent=cache_ind)
        written.append((f"runners.cache.{key}", value))
    if path:
        _set(cache, "Path", path, indent=cache_ind)
        written.append(("runners.cache.Path", path))
    else:
        _remove(cache, "Path")
    s3 = _child_table(cache, "s3", cache_ind)
    s3_ind = _indent_of(s3) or _header_indent(s3) + "  "
    for key, value in {
        "ServerAddress": s3_server_address(a),
        "AccessKey": reveal(c.access_key_id),
        "SecretKey": reveal(c.access_key_secret),
        "BucketName": c.bucket,
        "BucketLocation": c.region,
    }.items():
        if value:
            _set(s3, key, value, indent=s3_ind)
            written.append((f"runners.cache.s3.{key}", value))
    # OSS answers only virtual-hosted requests (bucket.oss-….aliyuncs.com) and
    # refuses path-style ones; without PathStyle the runner picks the style
    # from ServerAddress, and for an endpoint it does not know that may be
    # path-style. false pins the style OSS needs.
    _set(s3, "PathStyle", False, indent=s3_ind)
    written.append(("runners.cache.s3.PathStyle", False))
    return []
