"""The operator's answers: one dataclass per wizard step, in step order.

Field names here are the answers-file keys (`[cache] bucket = …`) and the field
paths in error messages (`cache.bucket`). Defaults are the write-up's choices
where it made one. Nothing here talks to the network or to Textual.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from wizard.secret import Secret

# The order of the screens. Every other module names steps with these strings.
STEPS: tuple[str, ...] = (
    "target",
    "registration",
    "cluster",
    "cache",
    "images",
    "spot",
    "resources",
    "networking",
    "review",
)

CLUSTER_KINDS: tuple[str, ...] = ("ask", "acs", "ack-eci", "ack-acs", "other")
CLUSTER_KIND_LABELS = {
    "ask": "ACK Serverless (ASK): every pod runs on ECI",
    "acs": "ACS (Container Compute Service)",
    "ack-eci": "ACK with virtual nodes, job pods on ECI",
    "ack-acs": "ACK with virtual nodes, job pods on ACS",
    "other": "Other Kubernetes (no Alibaba-specific settings)",
}
CACHE_MODES: tuple[str, ...] = ("off", "csi", "flexvolume", "s3")
SPOT_STRATEGIES: tuple[str, ...] = ("on-demand", "market", "cap")
EGRESS_MODES: tuple[str, ...] = ("nat", "eip", "none")
ARCHES: tuple[str, ...] = ("x86_64", "arm64")


@dataclass
class Target:
    """Which config.toml, which runner entry in it, and where other artifacts go."""

    config: str = ""  # "" means gitlab-runner's default for this user
    out_dir: str = ""  # "" means a folder next to config.toml
    runner: str = ""  # name of the [[runners]] entry to edit; "" with mode "new"
    mode: str = "new"  # "edit" an existing entry or append a "new" one


@dataclass
class Registration:
    """How the runner authenticates to GitLab."""

    url: str = ""
    # What the operator pastes: a `glrt-` runner authentication token, or a
    # legacy registration token that is exchanged for a runner token.
    token: Secret | None = None
    # Creates the runner through POST /api/v4/user/runners instead.
    personal_access_token: Secret | None = None
    # The token config.toml ends up with; given directly, or from the exchange.
    runner_token: Secret | None = None
    runner_id: int | None = None
    token_obtained_at: dt.datetime | None = None
    token_expires_at: dt.datetime | None = None
    name: str = ""
    description: str = ""
    tags: list[str] = field(default_factory=list)
    run_untagged: bool = False
    locked: bool = True
    tls_ca_file: str = ""


@dataclass
class Cluster:
    """The Kubernetes cluster the job pods run in."""

    kubeconfig: Secret | None = None  # pasted text; holds credentials
    kubeconfig_path: str = ""  # or read from here
    context: str = ""
    namespace: str = "default"
    kind: str = "ask"
    region: str = ""
    vpc_id: str = ""
    vswitch_ids: list[str] = field(default_factory=list)


@dataclass
class Cache:
    """The build cache: an OSS bucket mounted as a volume, or the S3-style cache."""

    mode: str = "csi"
    bucket: str = ""
    region: str = ""
    endpoint: str = ""  # "" derives oss-<region>-internal.aliyuncs.com
    path: str = "/"
    capacity: str = "50Gi"
    pv_name: str = "gitlab-cache-pv"
    pvc_name: str = "gitlab-cache-pvc"
    secret_name: str = "gitlab-cache-oss"
    mount_path: str = "/cache"
    access_key_id: Secret | None = None
    access_key_secret: Secret | None = None


@dataclass
class Images:
    """Where job pods pull the helper and build images from."""

    helper_image: str = ""  # "" keeps the runner's default (registry.gitlab.com)
    runner_version: str = ""  # e.g. "17.3.1": the helper tag must match it
    arch: str = "x86_64"
    image: str = ""  # default build image
    precache: list[str] = field(default_factory=list)  # ImageCache images
    image_cache_name: str = "gitlab-ci-images"
    mirror: str = ""  # registry mirror for the runner host's docker daemon
    daemon_json: str = "/etc/docker/daemon.json"


@dataclass
class Spot:
    """How the pods are billed: on demand, market-price spot, or capped spot."""

    strategy: str = "on-demand"
    price_limit: str = ""  # hourly, at most 3 decimals; only with "cap"
    protection_hours: int = 1  # 1 by default, 0 for none
    fallback: bool = True  # fall back to on-demand when spot runs out


@dataclass
class Resources:
    """Requests and limits of the job pod's containers, or an explicit size."""

    cpu_request: str = ""
    memory_request: str = ""
    cpu_limit: str = ""
    memory_limit: str = ""
    service_cpu_request: str = ""
    service_memory_request: str = ""
    service_cpu_limit: str = ""
    service_memory_limit: str = ""
    helper_cpu_request: str = ""
    helper_memory_request: str = ""
    helper_cpu_limit: str = ""
    helper_memory_limit: str = ""
    # An explicit size: eci-use-specs ("2-4Gi,ecs.c6.xlarge") or, on ACS,
    # pod-required-spec ("2-4Gi"). Overrides the sum of the requests.
    specs: str = ""
    compute_class: str = "general-purpose"  # ACS only


@dataclass
class Networking:
    """How services are reached and how pods reach the internet."""

    service_host_env: bool = True  # CI_SERVICE_HOST=127.0.0.1
    egress: str = "nat"
    eip_bandwidth: int = 5  # Mbit/s, only with egress = "eip"
    ci_example: bool = True  # write a .gitlab-ci.yml example


@dataclass
class Endpoints:
    """Overrides for Alibaba Cloud endpoints ("" means the public default)."""

    sts: str = ""
    eci: str = ""
    vpc: str = ""
    oss: str = ""


@dataclass
class Review:
    """What the last step does besides writing files."""

    apply: bool = False  # server-side apply the manifests after writing


@dataclass
class Answers:
    """Every answer of one wizard run."""

    target: Target = field(default_factory=Target)
    registration: Registration = field(default_factory=Registration)
    cluster: Cluster = field(default_factory=Cluster)
    cache: Cache = field(default_factory=Cache)
    images: Images = field(default_factory=Images)
    spot: Spot = field(default_factory=Spot)
    resources: Resources = field(default_factory=Resources)
    networking: Networking = field(default_factory=Networking)
    endpoints: Endpoints = field(default_factory=Endpoints)
    review: Review = field(default_factory=Review)


# Answer sections in answers-file order; "endpoints" has no screen of its own
# (its fields are the advanced fields of the screens that call those services).
SECTIONS: tuple[str, ...] = (
    "target",
    "registration",
    "cluster",
    "cache",
    "images",
    "spot",
    "resources",
    "networking",
    "endpoints",
    "review",
)
