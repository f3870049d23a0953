"""Step 4: the build cache on OSS."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widget import Widget
from textual.widgets import Static

from screens import fields as F
from screens.base import StepScreen
from screens.widgets import set_text
from wizard.model import Answers

HELP = (
    "GitLab's cache can live in an OSS bucket. The recommended form mounts the "
    "bucket through the CSI driver: one manifest holds a Secret with the "
    "AccessKey, a static PersistentVolume and a PersistentVolumeClaim, and "
    "config.toml mounts the claim at /cache. The S3-compatible form needs no "
    "volume at all. The legacy flexVolume form puts the keys in the PV itself "
    "and does not work on Kubernetes 1.20 or later."
)

MODES = (
    ("off", "No shared cache"),
    ("csi", "Bucket as a volume (CSI, recommended)"),
    ("s3", "GitLab's S3 cache API on OSS (no volume)"),
    ("flexvolume", "Legacy flexVolume (keys in PV; K8s < 1.20)"),
)


def _on(answers: Answers) -> bool:
    return answers.cache.mode != "off"


def _volume(answers: Answers) -> bool:
    return answers.cache.mode in ("csi", "flexvolume")


FIELDS = (
    F.FieldSpec(
        "cache.mode",
        "Cache",
        "How jobs share their cache.",
        kind=F.RADIO,
        choices=MODES,
    ),
    F.FieldSpec(
        "cache.bucket",
        "Bucket",
        "3-63 lowercase letters, digits and -, starting and ending with a letter or digit.",
        show_if=_on,
    ),
    F.FieldSpec(
        "cache.region",
        "Region",
        "The bucket's region, e.g. cn-hangzhou.",
        show_if=_on,
    ),
    F.FieldSpec(
        "cache.endpoint",
        "Endpoint (optional)",
        "Empty derives oss-<region>-internal.aliyuncs.com, reachable from the VPC.",
        show_if=_on,
    ),
    F.FieldSpec(
        "cache.path",
        "Path in the bucket",
        "The folder of the bucket that holds the cache; / for all of it.",
        show_if=_volume,
    ),
    F.FieldSpec(
        "cache.capacity",
        "Capacity",
        "The PV's declared size, a Kubernetes quantity such as 50Gi.",
        show_if=_volume,
    ),
    F.FieldSpec(
        "cache.pv_name", "PersistentVolume name", "A DNS-1123 name.", show_if=_volume
    ),
    F.FieldSpec(
        "cache.pvc_name",
        "PersistentVolumeClaim name",
        "The claim config.toml mounts in every job pod.",
        show_if=_volume,
    ),
    F.FieldSpec(
        "cache.secret_name",
        "Secret name",
        "The Secret that holds the AccessKey for the CSI driver.",
        show_if=lambda a: a.cache.mode == "csi",
    ),
    F.FieldSpec(
        "cache.mount_path",
        "Mount path",
        "Where the cache appears in job containers; /cache as in the write-up.",
        show_if=_volume,
    ),
    F.FieldSpec(
        "cache.access_key_id",
        "AccessKey id",
        "Of a RAM user allowed to read and write the bucket; never shown in clear.",
        kind=F.SECRET,
        show_if=_on,
    ),
    F.FieldSpec(
        "cache.access_key_secret",
        "AccessKey secret",
        "Written only to a mode 0600 file.",
        kind=F.SECRET,
        show_if=_on,
    ),
    F.FieldSpec(
        "endpoints.oss",
        "Advanced: OSS API endpoint for the checks",
        "Empty uses Alibaba Cloud's; set it on VPC-only hosts.",
        show_if=_on,
    ),
    F.FieldSpec(
        "endpoints.sts",
        "Advanced: STS endpoint for the AccessKey check",
        "Empty uses sts.aliyuncs.com.",
        show_if=_on,
    ),
)


class CacheScreen(StepScreen):
    """Bucket, keys and the volume names of the OSS cache."""

    STEP = "cache"
    HELP = HELP
    FIELDS = FIELDS

    def extra(self) -> Iterable[Widget]:
        yield Static("", id="endpoint-note", classes="preview", markup=False)

    def refresh_extra(self) -> None:
        from wizard.validate import oss_internal_endpoint

        cache = self.wizard.answers.cache
        note = ""
        if cache.mode != "off" and not cache.endpoint and cache.region:
            note = f"Endpoint used: {oss_internal_endpoint(cache.region)}"
        set_text(self.query_one("#endpoint-note", Static), note)
