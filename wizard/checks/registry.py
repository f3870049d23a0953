"""Which checks each step has, and when they apply to the answers."""

from __future__ import annotations

import gc
import importlib
import sys
import threading
from typing import TYPE_CHECKING

from wizard.checks import ERROR, Check, CheckResult
from wizard.checks.common import guarded

if TYPE_CHECKING:
    from wizard.model import Answers


# Imports of the client libraries, one thread at a time: two checks importing
# kubernetes or oss2 at once can see a half-initialised module (ImportError).
_IMPORT_LOCK = threading.Lock()


def _preload(module: str):
    """Import a check module and its client libraries, under the import lock."""
    name = f"wizard.checks.{module}"
    with _IMPORT_LOCK:
        mod = sys.modules.get(name)
        if mod is not None and all(s in sys.modules for s in getattr(mod, "SDKS", ())):
            return mod
        # A client library (kubernetes above all) builds a few hundred
        # thousand objects that live as long as the process. Left to the
        # collector, its first full pass over them held the interpreter for
        # about 80 ms while the operator typed (bench/run.py); frozen once
        # imported, they are skipped by every later pass.
        collecting = gc.isenabled()
        gc.disable()
        try:
            mod = importlib.import_module(name)
            for sdk in getattr(mod, "SDKS", ()):
                importlib.import_module(sdk)
        finally:
            if collecting:
                gc.freeze()
                gc.enable()
    return mod


def _lazy(module: str, name: str, where: str):
    """The check, imported when it first runs, so listing the checks stays cheap.

    The total timeout starts after the imports: a first import of kubernetes
    on a slow machine is not the service's slowness.
    """

    def body(answers, timeouts):
        return getattr(_preload(module), name)(answers, timeouts)

    body.__name__ = f"{module}.{name}"
    timed = guarded(body, where)

    def run(answers, timeouts):
        try:
            _preload(module)
        except ImportError as exc:
            return CheckResult(
                ERROR,
                f"a client library is missing ({exc.name}); reinstall ask-runner-wizard",
            )
        return timed(answers, timeouts)

    run.__name__ = body.__name__
    return run


def _check(
    name, step, label, fields, module, func, where, on_confirm_only=False
) -> Check:
    return Check(
        name=name,
        step=step,
        label=label,
        fields=tuple(fields),
        run=_lazy(module, func, where),
        on_confirm_only=on_confirm_only,
    )


_REG = (
    "registration.url",
    "registration.token",
    "registration.personal_access_token",
    "registration.tls_ca_file",
)
_KUBE = ("cluster.kubeconfig", "cluster.kubeconfig_path", "cluster.context")
_AK = ("cache.access_key_id", "cache.access_key_secret", "endpoints.sts")


def _registration(a: Answers) -> list[Check]:
    if not a.registration.url:
        return []
    checks = [
        _check(
            "gitlab.api",
            "registration",
            "GitLab API answers",
            _REG,
            "gitlab",
            "check_api",
            "GitLab",
        )
    ]
    token = a.registration.token.reveal() if a.registration.token else ""
    if token.startswith("glrt-"):
        checks.append(
            _check(
                "gitlab.verify",
                "registration",
                "runner token verifies (records this runner in GitLab)",
                _REG,
                "gitlab",
                "check_verify",
                "GitLab",
                on_confirm_only=True,
            )
        )
    return checks


def _cluster(a: Answers) -> list[Check]:
    if not (a.cluster.kubeconfig or a.cluster.kubeconfig_path):
        return []
    where = "the Kubernetes API server"
    ns = (*_KUBE, "cluster.namespace")
    return [
        _check(
            "cluster.version",
            "cluster",
            "API server answers",
            _KUBE,
            "cluster",
            "check_version",
            where,
        ),
        _check(
            "cluster.identity",
            "cluster",
            "connected as a real identity",
            _KUBE,
            "cluster",
            "check_identity",
            where,
        ),
        _check(
            "cluster.namespace",
            "cluster",
            "namespace exists",
            ns,
            "cluster",
            "check_namespace",
            where,
        ),
        _check(
            "cluster.permissions",
            "cluster",
            "runner permissions granted",
            ns,
            "cluster",
            "check_permissions",
            where,
        ),
        _check(
            "cluster.kind",
            "cluster",
            "cluster kind detected",
            (*_KUBE, "cluster.kind"),
            "cluster",
            "check_kind",
            where,
        ),
    ]


def _cache(a: Answers) -> list[Check]:
    if a.cache.mode == "off" or not (
        a.cache.access_key_id and a.cache.access_key_secret
    ):
        return []
    checks = [
        _check(
            "oss.access_key",
            "cache",
            "AccessKey valid (STS)",
            _AK,
            "oss",
            "check_access_key",
            "STS",
        )
    ]
    if a.cache.bucket:
        fields = (*_AK, "cache.bucket", "cache.region", "endpoints.oss")
        checks.append(
            _check(
                "oss.bucket",
                "cache",
                "bucket usable, region matches",
                fields,
                "oss",
                "check_bucket",
                "OSS",
            )
        )
    if a.cache.mode in ("csi", "flexvolume") and (
        a.cluster.kubeconfig or a.cluster.kubeconfig_path
    ):
        fields = (
            *_KUBE,
            "cluster.namespace",
            "cache.bucket",
            "cache.pv_name",
            "cache.pvc_name",
            "cache.secret_name",
        )
        checks.append(
            _check(
                "oss.dry_run",
                "cache",
                "Secret, PV and PVC pass a dry run",
                fields,
                "oss",
                "check_dry_run",
                "the Kubernetes API server",
            )
        )
    return checks


def _images(a: Answers) -> list[Check]:
    checks = []
    if a.images.mirror:
        checks.append(
            _check(
                "images.mirror",
                "images",
                "mirror answers",
                ("images.mirror",),
                "images",
                "check_mirror",
                "the mirror",
            )
        )
    if a.images.helper_image:
        checks.append(
            _check(
                "images.registry",
                "images",
                "registry answers",
                ("images.helper_image",),
                "images",
                "check_registry",
                "the registry",
            )
        )
    if a.images.helper_image and a.images.runner_version:
        fields = ("images.helper_image", "images.runner_version", "images.arch")
        checks.append(
            _check(
                "images.helper_tag",
                "images",
                "helper image tag exists",
                fields,
                "images",
                "check_helper_tag",
                "the registry",
            )
        )
    return checks


def _spot(a: Answers) -> list[Check]:
    from wizard.checks import pricing

    if not pricing.applies(a):
        return []
    fields = (
        "spot.strategy",
        "resources.specs",
        "resources.cpu_request",
        "resources.memory_request",
        "endpoints.eci",
        *_AK,
    )
    return [
        _check(
            "pricing.eci",
            "spot",
            "price of the pod size (ECI API)",
            fields,
            "pricing",
            "check_price",
            "ECI",
        )
    ]


def _resources(a: Answers) -> list[Check]:
    return [
        Check(c.name, "resources", c.label, c.fields, c.run, c.on_confirm_only)
        for c in _spot(a)
    ]


def _networking(a: Answers) -> list[Check]:
    from wizard.checks import network

    if not network.applies(a):
        return []
    fields = (
        "networking.egress",
        "cluster.vpc_id",
        "cluster.vswitch_ids",
        "endpoints.vpc",
        *_AK,
    )
    return [
        _check(
            "network.nat",
            "networking",
            "NAT gateway gives pods internet",
            fields,
            "network",
            "check_egress",
            "VPC",
        )
    ]


def _review(a: Answers) -> list[Check]:
    if not a.review.apply or not (a.cluster.kubeconfig or a.cluster.kubeconfig_path):
        return []
    return [
        _check(
            "review.dry_run",
            "review",
            "manifests pass a server-side dry run",
            (*_KUBE, "review.apply"),
            "apply",
            "check_review_dry_run",
            "the Kubernetes API server",
        )
    ]


STEP_CHECKS = {
    "target": lambda a: [],
    "registration": _registration,
    "cluster": _cluster,
    "cache": _cache,
    "images": _images,
    "spot": _spot,
    "resources": _resources,
    "networking": _networking,
    "review": _review,
}


def checks_for(step: str, answers: Answers) -> list[Check]:
    """The checks of one step that apply to these answers (no network here)."""
    return STEP_CHECKS.get(step, lambda a: [])(answers)
