"""Offline validation: one pure function per field, and one per step.

Each `check_*` returns None when the value is fine, or one line saying what is
wrong and how to fix it. The screens, the answers loader and the review all
call these same functions, so a rule can never differ between paths.
"""

from __future__ import annotations

import difflib
import re
from decimal import Decimal, InvalidOperation
from pathlib import Path
from urllib.parse import urlsplit

from wizard import sizing
from wizard.model import (
    ARCHES,
    CACHE_MODES,
    CLUSTER_KINDS,
    EGRESS_MODES,
    SPOT_STRATEGIES,
    STEPS,
    Answers,
)
from wizard.problems import Problem
from wizard.secret import Secret, SecretSourceError, read_secret_file, reveal

MIRROR_NOTE = (
    "Alibaba's Docker Hub accelerator has been restricted since 2024: it serves "
    "only Alibaba Cloud hosts and some images. It speeds up docker on the runner "
    "host only; ECI pods pull images themselves and never use a daemon mirror."
)

DNS_LABEL_RE = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$", re.ASCII)
DNS_SUBDOMAIN_RE = re.compile(
    r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
)
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$", re.ASCII)
REGION_RE = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$", re.ASCII)
VERSION_RE = re.compile(r"^\d+\.\d+\.\d+$", re.ASCII)
PRICE_RE = re.compile(r"^\d+(\.\d+)?$", re.ASCII)
# registry[:port]/path[:tag][@digest], the grammar docker and Kubernetes accept.
IMAGE_RE = re.compile(
    r"^(?:(?P<registry>[a-zA-Z0-9.-]+(?::\d+)?)/)?"
    r"(?P<path>[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)"
    r"(?::(?P<tag>[\w][\w.-]{0,127}))?"
    r"(?:@(?P<digest>sha256:[a-f0-9]{64}))?$",
    re.ASCII,
)
HELPER_TAG_RE = re.compile(
    r"^(?:(?P<flavor>[a-z0-9.]+)-)?(?P<arch>x86_64|arm64|arm|s390x|ppc64le|riscv64)"
    r"-v(?P<version>\d+\.\d+\.\d+)$",
    re.ASCII,
)
ECI_KINDS = ("ask", "ack-eci")
ACS_KINDS = ("acs", "ack-acs")
SPOT_WORDS = {
    "SpotAsPriceGo": "market",
    "SpotWithPriceLimit": "cap",
    "NoSpot": "on-demand",
    "best-effort": "market",
}
COMPUTE_CLASSES = ("general-purpose", "performance")
HELPER_ARCH = {"x86_64": "x86_64", "arm64": "arm64"}


def nearest(value: str, choices) -> str:
    """' (did you mean X?)' for the closest known name, or ''."""
    match = difflib.get_close_matches(value, list(choices), n=1, cutoff=0.5)
    return f" (did you mean {match[0]}?)" if match else ""


def one_of(value: str, choices, what: str) -> str | None:
    if value in choices:
        return None
    return f"unknown {what} {value!r}; use one of: {', '.join(choices)}" + nearest(
        value, choices
    )


# --- single fields -------------------------------------------------------


def _with_scheme(value: str) -> str:
    """The fix for a URL without scheme: the same text after https://, if it fits."""
    rest = value.split("://")[-1]
    if re.match(r"[A-Za-z0-9]", rest, re.ASCII):
        return f"write https://{rest}"
    return "write it like https://gitlab.example.com"


def check_url(value: str) -> str | None:
    """A GitLab instance URL: https://host[:port][/path]."""
    if not value:
        return "give the GitLab URL, for example https://gitlab.example.com"
    if any(ch.isspace() for ch in value):
        return "the URL contains a space; paste it again"
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        return f"{value!r} has no http:// or https:// scheme; {_with_scheme(value)}"
    if not parts.hostname:
        return "the URL has no host name; write it like https://gitlab.example.com"
    if parts.query or parts.fragment:
        return (
            "drop the ?query or #fragment: give only the address of the GitLab instance"
        )
    try:
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError:
        return "the port in the URL is not a number between 1 and 65535"
    return None


def token_kind(value: str) -> str:
    """'runner' for a glrt- token, 'registration' for a legacy one, '' when empty."""
    if not value:
        return ""
    return "runner" if value.startswith("glrt-") else "registration"


def check_token(value: str) -> str | None:
    """A token pasted from GitLab: glrt-…, GR1348941… or an older registration token."""
    if not value:
        return None
    if any(ch.isspace() for ch in value):
        return "the token contains a space or a line break; copy it again"
    if value.startswith("glpat-"):
        return (
            "this is a personal access token; give it as "
            "registration.personal_access_token, or paste the runner's glrt- token"
        )
    if value.startswith("glrt-") and len(value) < 20:
        return "this glrt- token is too short; copy the whole token from GitLab"
    if len(value) < 8:
        return "this token is too short; copy the whole token from GitLab"
    return None


def check_runner_name(value: str) -> str | None:
    if not value.strip():
        return "give the runner a name, for example k8s"
    if "\n" in value or len(value) > 255:
        return "the name must be one line of at most 255 characters"
    return None


def check_tags(tags: list[str]) -> str | None:
    """Every bad tag in one message, so one run shows them all."""
    faults = []
    if any(not tag.strip() for tag in tags):
        faults.append("a tag is empty; remove the extra comma")
    faults += [
        f"tag {tag!r} holds a comma; give each tag as its own list item"
        for tag in tags
        if "," in tag
    ]
    twice = sorted({tag for tag in tags if tag.strip() and tags.count(tag) > 1})
    faults += [f"tag {tag!r} is listed twice; remove the duplicate" for tag in twice]
    return "; ".join(faults) or None


def check_namespace(value: str) -> str | None:
    """A Kubernetes namespace: a DNS-1123 label."""
    if not value:
        return "give the namespace job pods run in, for example default"
    if len(value) > 63:
        return "a namespace has at most 63 characters"
    if not DNS_LABEL_RE.fullmatch(value):
        return (
            f"{value!r} is not a valid namespace: use lowercase letters, digits and "
            "'-', starting and ending with a letter or digit"
        )
    return None


def check_k8s_name(value: str) -> str | None:
    """A Kubernetes object name (PV, PVC, Secret): a DNS-1123 subdomain."""
    if not value:
        return "give a name, for example gitlab-cache-pv"
    if len(value) > 253 or not DNS_SUBDOMAIN_RE.fullmatch(value):
        return (
            f"{value!r} is not a valid Kubernetes name: use lowercase letters, digits, "
            "'-' and '.', starting and ending with a letter or digit"
        )
    return None


def check_bucket(value: str) -> str | None:
    """An OSS bucket name: 3-63 of a-z, 0-9 and '-', alphanumeric at both ends."""
    if not value:
        return "give the OSS bucket name"
    if not 3 <= len(value) <= 63:
        return f"a bucket name has 3 to 63 characters; {value!r} has {len(value)}"
    if not BUCKET_RE.fullmatch(value):
        suggestion = re.sub(r"[^a-z0-9-]", "-", value.lower()).strip("-")
        hint = f", such as {suggestion}" if BUCKET_RE.fullmatch(suggestion) else ""
        return (
            f"{value!r} is not a valid OSS bucket name: use only lowercase letters, "
            f"digits and '-', starting and ending with a letter or digit{hint}"
        )
    return None


# Alibaba Cloud's public region ids (the ECI regions among them). A region
# opened after this list was written is refused until it is added here:
# a typo would otherwise build endpoints that silently never answer.
KNOWN_REGIONS = sizing.ECI_EXTRA_REGIONS | frozenset(
    {
        "cn-nanjing",
        "cn-fuzhou",
        "cn-wuhan-lr",
        "cn-hongkong",
        "cn-shanghai-finance-1",
        "cn-shenzhen-finance-1",
        "cn-beijing-finance-1",
        "cn-north-2-gov-1",
        "ap-northeast-1",
        "ap-northeast-2",
        "ap-southeast-1",
        "ap-southeast-2",
        "ap-southeast-3",
        "ap-southeast-5",
        "ap-southeast-6",
        "ap-southeast-7",
        "ap-south-1",
        "us-east-1",
        "us-west-1",
        "eu-west-1",
        "eu-central-1",
        "me-east-1",
        "me-central-1",
        "na-south-1",
    }
)


def check_region(value: str) -> str | None:
    if not value:
        return "give the region, for example cn-hangzhou"
    if not REGION_RE.fullmatch(value):
        return f"{value!r} is not a region id; write it like cn-hangzhou"
    if value in KNOWN_REGIONS:
        return None
    head, _, last = value.rpartition("-")
    if head in KNOWN_REGIONS and len(last) == 1:
        return f"{value!r} is a zone; the region is {head}"
    return f"{value!r} is not a known Alibaba Cloud region id" + (
        nearest(value, sorted(KNOWN_REGIONS)) or "; write it like cn-hangzhou"
    )


def oss_internal_endpoint(region: str) -> str:
    """The endpoint pods in the region's VPCs reach OSS through."""
    return f"oss-{region}-internal.aliyuncs.com"


def check_oss_endpoint(value: str, bucket: str = "") -> str | None:
    """An OSS endpoint host, without the bucket name."""
    if not value:
        return None
    host = urlsplit(value).hostname if "://" in value else value
    if not host or "/" in host or " " in value:
        return "give only the endpoint host, like oss-cn-hangzhou-internal.aliyuncs.com"
    if host.startswith("vpc100-"):
        return (
            "vpc100- endpoints are retired; use oss-<region>-internal.aliyuncs.com "
            "(leave the field empty to derive it from the region)"
        )
    if bucket and host.startswith(bucket + "."):
        return f"drop the bucket name: write {host[len(bucket) + 1 :]}"
    return None


def check_abs_path(value: str, what: str = "path") -> str | None:
    if not value:
        return f"give the {what}"
    if not value.startswith("/"):
        # A relative path would depend on where the wizard was started.
        return f"the {what} must be absolute; give an absolute path starting with /"
    if "\n" in value:
        return f"the {what} must be one line"
    return None


def check_quantity(value: str, kind: str = "cpu") -> str | None:
    """A Kubernetes quantity for CPU (2, 250m) or memory (6Gi, 512Mi); '' is unset."""
    if not value:
        return None
    try:
        amount = sizing.parse_quantity(value)
    except (sizing.QuantityError, InvalidOperation):
        return _quantity_hint(value, kind)
    if amount <= 0:
        return f"{value!r} must be more than zero"
    suffix = sizing.QUANTITY_RE.fullmatch(value.strip())["suffix"] or ""
    if kind == "cpu":
        if suffix.endswith("i") or suffix in ("k", "M", "G", "T", "P", "E"):
            return (
                f"{value!r} is a memory size; CPU is counted in cores: write 2 or 500m"
            )
        if amount < Decimal("0.001"):
            return "the smallest CPU amount is 1m"
        return None
    if suffix == "m":
        return (
            f"{value!r} means thousandths of a byte; write {value[:-1]}Mi for mebibytes"
        )
    if amount < 2**20:
        return f"{value!r} is only {amount} bytes; add a unit such as Mi or Gi"
    return None


def _quantity_hint(value: str, kind: str) -> str:
    number = re.match(r"^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$", value)
    if kind == "memory" and number:
        unit = number[2].lower().rstrip("b")
        binary = {
            "k": "Ki",
            "m": "Mi",
            "g": "Gi",
            "t": "Ti",
            "ki": "Ki",
            "mi": "Mi",
            "gi": "Gi",
            "ti": "Ti",
        }
        if len(unit) == 1 and unit in binary:
            # "GB" may mean 10^9 or 2^30 bytes: both are offered, none guessed.
            decimal = "k" if unit == "k" else unit.upper()
            return (
                f"{value!r} is not a Kubernetes quantity: {number[2]} is not a "
                f"Kubernetes unit; write {number[1]}{binary[unit]} (powers of 1024) "
                f"or {number[1]}{decimal} (powers of 1000)"
            )
        if unit in binary:
            return (
                f"{value!r} is not a Kubernetes quantity; write {number[1]}{binary[unit]} "
                "(binary units Ki, Mi, Gi)"
            )
    if (
        kind == "cpu"
        and number
        and number[2].lower() in ("c", "core", "cores", "vcpu", "cpu")
    ):
        return f"{value!r} is not a Kubernetes quantity; write {number[1]} (cores) or a value like 500m"
    example = "2 or 500m" if kind == "cpu" else "6Gi or 512Mi"
    return f"{value!r} is not a Kubernetes quantity; write it like {example}"


def check_price_limit(value: str) -> str | None:
    """An hourly price cap: a positive number with at most 3 decimals."""
    if not value:
        return "give the highest hourly price, for example 0.5"
    if not PRICE_RE.fullmatch(value):
        return f"{value!r} is not a price; write a number like 0.25"
    if "." in value and len(value.split(".")[1]) > 3:
        return f"{value!r} has more than 3 decimals; ECI takes at most 3, like 0.125"
    if Decimal(value) <= 0:
        return "the price limit must be more than zero"
    return None


def check_spot_strategy(value: str) -> str | None:
    if value in SPOT_STRATEGIES:
        return None
    if value in SPOT_WORDS:
        return f"{value!r} is the platform's name; answer {SPOT_WORDS[value]!r}"
    return one_of(value, SPOT_STRATEGIES, "spot strategy")


def check_protection_hours(value: int) -> str | None:
    if isinstance(value, bool) or value not in (0, 1):
        return "the protection period is 1 hour (the default) or 0 for none"
    return None


def check_mirror_url(value: str) -> str | None:
    """A docker registry mirror: scheme and host only."""
    if not value:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https"):
        return f"{value!r} has no scheme; {_with_scheme(value)}"
    if not parts.hostname:
        return "the mirror URL has no host"
    if parts.username or parts.password:
        # The URL would be saved in daemon.json and the state file in clear.
        return (
            "a mirror URL holds no user or password; drop them and log in with "
            "`docker login` instead"
        )
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        return "docker accepts only scheme and host for a mirror: drop the path"
    return None


def check_image_ref(value: str) -> str | None:
    """An image reference such as registry-vpc.cn-hangzhou.aliyuncs.com/team/jdk:17."""
    if not value:
        return None
    if any(ch.isspace() for ch in value):
        return "an image name has no spaces"
    match = IMAGE_RE.fullmatch(value)
    if not match:
        return (
            f"{value!r} is not an image reference; write it like "
            "registry.example.com/group/name:tag, with a lowercase path"
        )
    name = (match["registry"] + "/" if match["registry"] else "") + match["path"]
    if len(name) > 255:
        return "an image name (without its tag) has at most 255 characters"
    return None


def image_registry(value: str) -> str:
    """The registry host of an image reference (docker.io when none is named)."""
    match = IMAGE_RE.fullmatch(value)
    registry = match["registry"] if match else ""
    if registry and ("." in registry or ":" in registry or registry == "localhost"):
        return registry
    return "docker.io"


def check_runner_version(value: str) -> str | None:
    if not value:
        return None
    if not VERSION_RE.fullmatch(value.removeprefix("v")):
        return f"{value!r} is not a runner version; write it like 17.3.1 (gitlab-runner --version)"
    return None


def check_helper_image(
    value: str, runner_version: str = "", arch: str = ""
) -> str | None:
    """A helper image whose tag names the runner's architecture and exact version."""
    if not value:
        return None
    problem = check_image_ref(value)
    if problem:
        return problem
    tag = IMAGE_RE.fullmatch(value)["tag"] or ""
    match = HELPER_TAG_RE.fullmatch(tag)
    want_arch = HELPER_ARCH.get(arch, "x86_64")
    version = runner_version.removeprefix("v")
    example = f"{want_arch}-v{version or '17.3.1'}"
    if not match:
        return (
            f"the helper image tag {tag or '(none)'!r} must name arch and exact "
            f"version, like :{example}"
        )
    if arch and match["arch"] != want_arch:
        return f"the helper image is for {match['arch']}, the pods are {arch}: use tag :{example}"
    if version and match["version"] != version:
        return f"the helper image is v{match['version']}, the runner is {version}: use tag :{example}"
    return None


def check_specs(value: str, kind: str = "ask", *, spot: bool = False) -> str | None:
    """An explicit size: ECI eci-use-specs list, or ACS pod-required-spec.

    With `spot`, every ECI size must be one spot offers, and a suggestion is
    always one spot offers.
    """
    if not value:
        return None
    entries = sizing.specs_entries(value)
    if kind in ACS_KINDS:
        match = (
            sizing.SPECS_ENTRY_RE.fullmatch(entries[0]) if len(entries) == 1 else None
        )
        if not match:
            return f"ACS takes one size written like 2-4Gi, not {value!r}"
        cpu, mem = Decimal(match["cpu"]), Decimal(match["mem"])
        if sizing.acs_round(cpu, mem) != (cpu, mem):
            return (
                f"ACS has no {value} size; {_nearest_size(sizing.acs_round(cpu, mem))}"
            )
        return None
    if not entries:
        return "give sizes like 2-4Gi or ecs.c6.xlarge, comma-separated"
    if len(entries) > 5:
        return "ECI tries at most 5 sizes; keep the first five"
    for entry in entries:
        match = sizing.SPECS_ENTRY_RE.fullmatch(entry)
        if match:
            cpu, mem = Decimal(match["cpu"]), Decimal(match["mem"])
            if spot and not sizing.eci_offered(cpu, mem, spot=True):
                rounded = sizing.eci_round(cpu, mem, spot=True)
                return (
                    f"spot does not offer {entry}; "
                    f"{_nearest_size(rounded)}, or turn spot off"
                )
            # Any region's table: the region-only sizes get their own warning.
            rounded = sizing.eci_round(cpu, mem, region="cn-hangzhou")
            if rounded != (cpu, mem):
                return f"ECI has no {entry} size; {_nearest_size(rounded)}"
            continue
        if sizing.INSTANCE_TYPE_RE.fullmatch(entry):
            continue
        short = re.match(r"^(\d+(?:\.\d+)?)[cC](\d+(?:\.\d+)?)[gG]$", entry)
        if short:
            return f"{entry!r} is not an ECI size; write {short[1]}-{short[2]}Gi"
        return f"{entry!r} is neither <vCPU>-<mem>Gi (like 2-4Gi) nor an instance type (like ecs.c6.xlarge)"
    arm = [sizing.is_arm_instance_type(e) for e in entries if e.startswith("ecs.")]
    if arm and any(arm) and not all(arm):
        return "the list mixes ARM and x86 instance types; keep one architecture"
    return None


def _nearest_size(size) -> str:
    if size is None:
        return "it is larger than any size offered"
    cpu, mem = size
    return f"the nearest one is {sizing.fmt(cpu)}-{sizing.fmt(mem)}Gi"


def specs_arch(value: str) -> str:
    """'arm64' or 'x86_64' when instance types name one, else ''."""
    types = [e for e in sizing.specs_entries(value) if e.startswith("ecs.")]
    if not types:
        return ""
    return "arm64" if all(sizing.is_arm_instance_type(e) for e in types) else "x86_64"


def check_eip_bandwidth(value: int) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return "the EIP bandwidth is a whole number of Mbit/s, at least 1"
    return None


def check_choice(value: str, choices, what: str) -> str | None:
    return one_of(value, choices, what)


def check_access_key_id(value: str) -> str | None:
    if not value:
        return "give the AccessKey id"
    if not re.fullmatch(r"[A-Za-z0-9.]{12,128}", value, re.ASCII):
        return "an AccessKey id is letters and digits, usually starting LTAI; copy it again"
    return None


def check_kubeconfig_text(text: str) -> str | None:
    from wizard.kubeconfig import KubeconfigError, parse_kubeconfig

    try:
        parse_kubeconfig(text)
    except KubeconfigError as exc:
        return str(exc)
    return None


# --- steps ---------------------------------------------------------------


class _Collector:
    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, field: str, message: str | None, level: str = "error") -> None:
        if message:
            self.problems.append(Problem(field, message, level))

    def warn(self, field: str, message: str | None) -> None:
        self.add(field, message, "warning")


def _target(a: Answers, out: _Collector) -> None:
    t = a.target
    out.add("target.mode", one_of(t.mode, ("edit", "new"), "mode"))
    if t.mode == "edit" and not t.runner:
        out.add(
            "target.runner", "name the [[runners]] entry to edit, or choose mode new"
        )
    if t.config:
        kind, why = _path_kind(t.config)
        if why:
            out.add("target.config", f"this path cannot be used ({why}); shorten it")
        elif kind == "dir":
            out.add(
                "target.config", f"{t.config} is a folder; give the path of config.toml"
            )
    if t.out_dir:
        kind, why = _path_kind(t.out_dir)
        if why:
            out.add("target.out_dir", f"this path cannot be used ({why}); shorten it")
        elif kind == "file":
            out.add(
                "target.out_dir",
                f"{t.out_dir} is a file; give a folder for the artifacts",
            )


def _path_kind(text: str) -> tuple[str, str]:
    """("dir" | "file" | "", "") for a path, or ("", why) when it cannot be looked at."""
    path = Path(text).expanduser()
    try:
        if path.is_dir():
            return "dir", ""
        return ("file" if path.is_file() else ""), ""
    except OSError as exc:  # a name longer than the system allows, a loop…
        return "", exc.strerror or str(exc)


def _registration(a: Answers, out: _Collector) -> None:
    r = a.registration
    out.add("registration.url", check_url(r.url))
    token = reveal(r.token)
    out.add("registration.token", check_token(token))
    out.add("registration.runner_token", check_token(reveal(r.runner_token)))
    if a.target.mode == "new":
        out.add("registration.name", check_runner_name(r.name))
        if not token and not r.runner_token:
            out.add(
                "registration.token",
                "give the runner's glrt- token (create the runner in GitLab first)",
            )
    elif r.name:
        out.add("registration.name", check_runner_name(r.name))
    out.add("registration.tags", check_tags(r.tags))
    kind = token_kind(token)
    if kind == "runner" and (r.tags or r.description or r.run_untagged):
        out.warn(
            "registration.tags",
            "a glrt- runner takes its description, tags and run-untagged from "
            "GitLab; set them on the runner's page there",
        )
    if kind == "registration":
        out.warn(
            "registration.token",
            "registration tokens are deprecated and disabled by default since "
            "GitLab 17.0; prefer creating the runner in GitLab (glrt- token)",
        )
        if not r.runner_token:
            out.warn(
                "registration.runner_token",
                "a registration token must be exchanged for a runner token by the "
                "live check; offline, give registration.runner_token",
            )
    if r.token_expires_at and not r.token_obtained_at:
        out.add(
            "registration.token_obtained_at",
            "give token_obtained_at with token_expires_at, or the runner rotates "
            "the token at once",
        )
    elif (
        r.token_expires_at
        and r.token_obtained_at
        and r.token_expires_at <= r.token_obtained_at
    ):
        out.add(
            "registration.token_expires_at",
            "the token expires before it was obtained; swap the two dates or copy "
            "them again from GitLab",
        )
    if r.runner_id is not None and r.runner_id < 1:
        out.add(
            "registration.runner_id",
            f"{r.runner_id} is not a runner id; GitLab's ids start at 1 "
            "(see the runner's page), or leave it out",
        )
    if r.tls_ca_file:
        out.add(
            "registration.tls_ca_file", check_abs_path(r.tls_ca_file, "CA file path")
        )


def kubeconfig_text(a: Answers) -> tuple[str, str | None]:
    """The kubeconfig to use (pasted, or read from its path) and a read error."""
    c = a.cluster
    if c.kubeconfig:
        return c.kubeconfig.reveal(), None
    if not c.kubeconfig_path:
        return "", None
    try:
        return read_secret_file(Path(c.kubeconfig_path).expanduser()), None
    except SecretSourceError as exc:
        return "", str(exc)


def _cluster(a: Answers, out: _Collector) -> None:
    from wizard.kubeconfig import KubeconfigError, parse_kubeconfig

    c = a.cluster
    out.add("cluster.kind", one_of(c.kind, CLUSTER_KINDS, "cluster kind"))
    out.add("cluster.namespace", check_namespace(c.namespace))
    if c.region:
        out.add("cluster.region", check_region(c.region))
    if c.kubeconfig and c.kubeconfig_path:
        out.add(
            "cluster.kubeconfig_path",
            "both kubeconfig and kubeconfig_path are given; give one of them",
        )
        return
    field = "cluster.kubeconfig" if c.kubeconfig else "cluster.kubeconfig_path"
    text, error = kubeconfig_text(a)
    if error:
        out.add(field, error)
        return
    if not text:
        out.add(
            "cluster.kubeconfig",
            "paste the cluster's kubeconfig, or give kubeconfig_path",
        )
        return
    try:
        info = parse_kubeconfig(text)
    except KubeconfigError as exc:
        out.add(field, str(exc))
        return
    for note in info.warnings:
        out.warn(field, note)
    ctx = info.context(c.context)
    if ctx is None:
        names = ", ".join(info.context_names)
        if c.context:
            out.add(
                "cluster.context",
                f"no context named {c.context!r}; pick one of: {names}"
                + nearest(c.context, info.context_names),
            )
        else:
            out.add(
                "cluster.context",
                f"the kubeconfig has no current context; pick one of: {names}",
            )
        return
    for message in ctx.errors:
        out.add(field, message)
    for message in ctx.warnings:
        out.warn(field, message)


def _cache(a: Answers, out: _Collector) -> None:
    c = a.cache
    out.add("cache.mode", one_of(c.mode, CACHE_MODES, "cache mode"))
    if c.mode not in ("csi", "flexvolume", "s3"):
        return
    out.add("cache.bucket", check_bucket(c.bucket))
    if c.endpoint:
        out.add("cache.endpoint", check_oss_endpoint(c.endpoint, c.bucket))
    else:
        out.add("cache.region", check_region(c.region))
    if ".." in c.path.split("/"):
        out.add(
            "cache.path",
            "'..' is not allowed in the path in the bucket; write the folder "
            "itself, like /gitlab-runner",
        )
    elif not c.path.startswith("/"):
        out.add(
            "cache.path", f"the path in the bucket starts with '/': write /{c.path}"
        )
    _cache_region(a, out)
    out.add("cache.access_key_id", check_access_key_id(reveal(c.access_key_id)))
    if not c.access_key_secret:
        out.add("cache.access_key_secret", "give the AccessKey secret")
    if c.mode == "s3":
        return
    out.add(
        "cache.capacity",
        check_quantity(c.capacity, "memory")
        or (None if c.capacity else "give the capacity, like 50Gi"),
    )
    out.add("cache.pv_name", check_k8s_name(c.pv_name))
    out.add("cache.pvc_name", check_k8s_name(c.pvc_name))
    if c.mode == "csi":
        out.add("cache.secret_name", check_k8s_name(c.secret_name))
    out.add("cache.mount_path", check_abs_path(c.mount_path, "mount path"))
    if c.mode == "flexvolume":
        out.warn(
            "cache.mode",
            "flexVolume puts the AccessKey in the PersistentVolume in plain text and "
            "does not work on Kubernetes 1.20 or later; prefer csi",
        )
    if a.cluster.kind == "other":
        out.warn(
            "cache.mode",
            "the OSS volume driver exists only on Alibaba Cloud clusters; on other "
            "clusters use mode s3",
        )


def _cache_region(a: Answers, out: _Collector) -> None:
    """An internal OSS endpoint answers only inside its own region's VPCs."""
    c = a.cache
    endpoint = c.endpoint or oss_internal_endpoint(c.region)
    host = urlsplit(endpoint).hostname if "://" in endpoint else endpoint
    m = re.fullmatch(r"oss-([a-z0-9-]+)-internal\.aliyuncs\.com", host or "")
    region = m.group(1) if m else ""
    cluster = a.cluster.region
    if region and cluster and region != cluster:
        out.warn(
            "cache.region",
            f"the cache uses the internal OSS endpoint of {region}, which pods in "
            f"{cluster} cannot reach; put the bucket in {cluster} or use its "
            "public endpoint (traffic is billed)",
        )


def _images(a: Answers, out: _Collector) -> None:
    i = a.images
    out.add("images.arch", one_of(i.arch, ARCHES, "architecture"))
    out.add("images.runner_version", check_runner_version(i.runner_version))
    out.add(
        "images.helper_image",
        check_helper_image(i.helper_image, i.runner_version, i.arch),
    )
    out.add("images.image", check_image_ref(i.image))
    for index, image in enumerate(i.precache):
        out.add(
            f"images.precache[{index}]",
            check_image_ref(image)
            or (None if image else "an empty image name; remove it"),
        )
    if i.precache:
        out.add("images.image_cache_name", check_k8s_name(i.image_cache_name))
        if a.cluster.kind not in ECI_KINDS:
            out.warn(
                "images.precache",
                "ImageCache is an ECI feature; it is not written for this cluster kind",
            )
    out.add("images.mirror", check_mirror_url(i.mirror))
    if i.mirror:
        out.add("images.daemon_json", check_abs_path(i.daemon_json, "daemon.json path"))
        out.warn("images.mirror", MIRROR_NOTE)
    if i.helper_image and image_registry(i.helper_image) == "registry.gitlab.com":
        out.warn(
            "images.helper_image",
            "registry.gitlab.com can be slow or unreachable from mainland China; "
            "copy the helper image to ACR in the cluster's region",
        )


def _spot(a: Answers, out: _Collector) -> None:
    s = a.spot
    kind = a.cluster.kind
    out.add("spot.strategy", check_spot_strategy(s.strategy))
    out.add("spot.protection_hours", check_protection_hours(s.protection_hours))
    if s.strategy == "cap":
        if kind in ACS_KINDS:
            out.add(
                "spot.strategy",
                "ACS best-effort has a fixed price and no cap; answer market "
                "(best-effort) or on-demand",
            )
        else:
            out.add("spot.price_limit", check_price_limit(s.price_limit))
    elif s.price_limit:
        out.warn(
            "spot.price_limit",
            "a price limit applies only with strategy cap; it is ignored",
        )
    if s.strategy in ("market", "cap") and kind == "other":
        out.warn(
            "spot.strategy",
            "spot settings exist only on Alibaba Cloud; nothing is written",
        )
    if s.strategy == "market" and kind in ACS_KINDS:
        out.warn(
            "spot.strategy",
            "best-effort pods can be evicted after a notice and capacity varies; "
            "add retry: to CI jobs",
        )


def _resources(a: Answers, out: _Collector) -> None:
    r = a.resources
    kind = a.cluster.kind
    for name in (
        "cpu_request",
        "cpu_limit",
        "service_cpu_request",
        "service_cpu_limit",
        "helper_cpu_request",
        "helper_cpu_limit",
    ):
        out.add(f"resources.{name}", check_quantity(getattr(r, name), "cpu"))
    for name in (
        "memory_request",
        "memory_limit",
        "service_memory_request",
        "service_memory_limit",
        "helper_memory_request",
        "helper_memory_limit",
    ):
        out.add(f"resources.{name}", check_quantity(getattr(r, name), "memory"))
    for prefix in ("", "service_", "helper_"):
        for what, unit in (("cpu", "cpu"), ("memory", "memory")):
            req, lim = (
                getattr(r, f"{prefix}{what}_request"),
                getattr(r, f"{prefix}{what}_limit"),
            )
            if (
                req
                and lim
                and not check_quantity(req, unit)
                and not check_quantity(lim, unit)
            ) and sizing.parse_quantity(lim) < sizing.parse_quantity(req):
                out.add(
                    f"resources.{prefix}{what}_limit",
                    f"the limit {lim} is below the request {req}; raise it or drop it",
                )
    spot = a.spot.strategy in ("market", "cap")
    out.add("resources.specs", check_specs(r.specs, kind, spot=spot))
    if kind in ECI_KINDS and r.specs:
        _region_only_specs(r.specs, a.cluster.region, out)
    _largest_size(a, out)
    if r.specs and kind == "other":
        out.warn(
            "resources.specs",
            "an explicit size exists only on ECI and ACS; it is not written",
        )
    if kind in ACS_KINDS:
        out.add(
            "resources.compute_class",
            one_of(r.compute_class, COMPUTE_CLASSES, "compute class"),
        )
    if r.specs and not check_specs(r.specs, kind, spot=spot):
        arch = specs_arch(r.specs)
        if arch and arch != a.images.arch:
            out.add(
                "resources.specs",
                f"these instance types are {arch} but images.arch is {a.images.arch}; "
                f"set images.arch = {arch!r} (and an {arch} helper image)",
            )
    if kind in ECI_KINDS + ACS_KINDS and not out_has_errors(out, "resources."):
        for message in sizing.billed_size(a).warnings:
            if message.startswith("no "):
                continue  # too large for any size: _largest_size made it an error
            out.warn("resources.specs" if r.specs else "resources.cpu_request", message)


def _region_only_specs(specs: str, region: str, out: _Collector) -> None:
    """Sizes ECI offers only in some regions, asked for elsewhere."""
    if region in sizing.ECI_EXTRA_REGIONS:
        return
    for entry in sizing.specs_entries(specs):
        match = sizing.SPECS_ENTRY_RE.fullmatch(entry)
        if not match:
            continue
        cpu, mem = Decimal(match["cpu"]), Decimal(match["mem"])
        if not sizing.eci_offered(cpu, mem) and sizing.eci_offered(
            cpu, mem, region="cn-hangzhou"
        ):
            where = f"in {region}" if region else "without cluster.region"
            out.warn(
                "resources.specs",
                f"{entry} is offered only in some regions, and ECI may not offer it "
                f"{where}; {_nearest_size(sizing.eci_round(cpu, mem))} everywhere",
            )


# The largest pod each platform offers (vCPU, GiB).
_LARGEST = {"eci": ("64", "512"), "acs": ("64", "512")}


def _largest_size(a: Answers, out: _Collector) -> None:
    """Requests or limits summing past the largest pod size are an error."""
    platform = sizing.platform_of(a.cluster.kind)
    if platform not in _LARGEST or a.resources.specs:
        return
    cpu, mem, basis = sizing.summed_resources(a)
    if cpu is None or mem is None:
        return
    top_cpu, top_mem = (Decimal(v) for v in _LARGEST[platform])
    if cpu > top_cpu or mem > top_mem:
        out.add(
            "resources.cpu_request" if cpu > top_cpu else "resources.memory_request",
            f"the job pod's {basis} sum to {sizing.fmt(cpu)} vCPU / "
            f"{sizing.fmt(mem)} GiB, more than the largest {platform.upper()} size "
            f"({top_cpu} vCPU / {top_mem} GiB); lower them",
        )


def out_has_errors(out: _Collector, prefix: str) -> bool:
    return any(p.level == "error" and p.field.startswith(prefix) for p in out.problems)


def _networking(a: Answers, out: _Collector) -> None:
    n = a.networking
    kind = a.cluster.kind
    out.add("networking.egress", one_of(n.egress, EGRESS_MODES, "egress mode"))
    if n.egress == "eip":
        if kind not in ECI_KINDS:
            out.add(
                "networking.egress",
                "a per-pod EIP is an ECI annotation; on this cluster kind use a NAT gateway (nat)",
            )
        out.add("networking.eip_bandwidth", check_eip_bandwidth(n.eip_bandwidth))
        out.warn(
            "networking.egress",
            "each pod gets its own EIP: billed per hour plus traffic, uses EIP quota, "
            "slows pod start, and its public IP changes every job",
        )
    if n.egress == "none":
        i = a.images
        if not i.helper_image:
            out.add(
                "images.helper_image",
                "pods have no internet: give a helper_image in your own registry, "
                "tagged with the exact runner version",
            )
        else:
            if not i.runner_version:
                out.add(
                    "images.runner_version",
                    "pods have no internet: give the runner version so the helper tag can be checked",
                )
            if image_registry(i.helper_image) == "registry.gitlab.com":
                out.add(
                    "images.helper_image",
                    "pods have no internet and cannot reach registry.gitlab.com; "
                    "use a copy in your own registry",
                )
        for field, image in [("images.image", i.image)] + [
            (f"images.precache[{k}]", img) for k, img in enumerate(i.precache)
        ]:
            if image and image_registry(image) == "docker.io":
                out.warn(
                    field,
                    f"{image} comes from Docker Hub, which pods without internet "
                    "cannot reach; copy it to your own registry",
                )


_STEP_CHECKS = {
    "target": _target,
    "registration": _registration,
    "cluster": _cluster,
    "cache": _cache,
    "images": _images,
    "spot": _spot,
    "resources": _resources,
    "networking": _networking,
}


def validate_step(answers: Answers, step: str) -> list[Problem]:
    """Errors and warnings of one step; 'review' gives those of every step."""
    if step == "review":
        return validate_answers(answers)
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}")
    out = _Collector()
    _STEP_CHECKS[step](answers, out)
    characters = _characters(getattr(answers, step), step)
    # A value with a stray character gets that one message, not a second
    # one from its own rule about the same characters.
    flawed = {p.field for p in characters}
    return characters + [p for p in out.problems if p.field not in flawed]


# Credentials are one word: any whitespace in them is a copy-paste accident.
_ONE_WORD_SECRETS = {
    "token": "token",
    "personal_access_token": "personal access token",
    "runner_token": "runner token",
    "access_key_id": "AccessKey id",
    "access_key_secret": "AccessKey secret",
}
# NUL cuts a string short in C code; bidi controls make text display in
# another order than it is read (U+202A-U+202E, U+2066-U+2069).
_HIDDEN = re.compile("[\x00\u202a-\u202e\u2066-\u2069]")


def _characters(section: object, step: str) -> list[Problem]:
    """Characters no answer may hold, and whitespace inside credentials."""
    import dataclasses
    import unicodedata

    problems = []
    for f in dataclasses.fields(section):
        value = getattr(section, f.name)
        field = f"{step}.{f.name}"
        texts = value if isinstance(value, list) else [value]
        texts = [reveal(t) if isinstance(t, Secret) else t for t in texts]
        texts = [t for t in texts if isinstance(t, str)]
        if any(_HIDDEN.search(t) for t in texts):
            problems.append(
                Problem(
                    field,
                    "contains a NUL or an invisible text-direction character; "
                    "type the value again instead of pasting it",
                )
            )
        elif f.name in _ONE_WORD_SECRETS and any(
            ch.isspace() or unicodedata.category(ch) in ("Cc", "Cf")
            for t in texts
            for ch in t
        ):
            problems.append(
                Problem(
                    field,
                    f"the {_ONE_WORD_SECRETS[f.name]} contains spaces, line breaks "
                    "or control characters; copy it again, without anything around it",
                )
            )
    return problems


def validate_answers(answers: Answers) -> list[Problem]:
    """Errors and warnings of every step, in step order."""
    problems: list[Problem] = []
    for step in _STEP_CHECKS:
        problems.extend(validate_step(answers, step))
    problems.extend(_endpoints(answers))
    # Two rules can reach the same conclusion about one field: say it once.
    return list(dict.fromkeys(problems))


def _endpoints(a: Answers) -> list[Problem]:
    out = _Collector()
    for name in ("sts", "eci", "vpc", "oss"):
        value = getattr(a.endpoints, name)
        if value:
            out.add(
                f"endpoints.{name}",
                check_url(value)
                and f"{value!r} is not a URL like http://127.0.0.1:8080",
            )
    return out.problems


def errors(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.level == "error"]


def warnings(problems: list[Problem]) -> list[Problem]:
    return [p for p in problems if p.level == "warning"]
