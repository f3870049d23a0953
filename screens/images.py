"""Step 5: where job pods pull the helper and build images from."""

from __future__ import annotations

from screens import fields as F
from screens.base import StepScreen
from wizard.model import ARCHES

HELP = (
    "ECI and ACS pods pull their images themselves. Copy the runner helper image "
    "and your build images into your own ACR registry in the cluster's region and "
    "pull them through registry-vpc.<region>.aliyuncs.com; an ImageCache makes pod "
    "start faster. Alibaba's Docker Hub accelerator has been restricted since "
    "2024 (Alibaba Cloud hosts only, some images), and ECI pods never use the "
    "runner host's docker mirror: the mirror only helps that host's docker."
)

FIELDS = (
    F.FieldSpec(
        "images.helper_image",
        "Helper image",
        "From your registry, tagged for the runner version and arch; empty keeps GitLab's.",
        placeholder="registry-vpc.cn-hangzhou.aliyuncs.com/ns/gitlab-runner-helper:x86_64-v17.3.1",
    ),
    F.FieldSpec(
        "images.runner_version",
        "Runner version",
        "The gitlab-runner version on this host, e.g. 17.3.1; the helper tag must match.",
    ),
    F.FieldSpec(
        "images.arch",
        "Architecture",
        "Of the job pods: x86_64, or arm64 for ARM instance types.",
        kind=F.CHOICE,
        choices=tuple((arch, arch) for arch in ARCHES),
    ),
    F.FieldSpec(
        "images.image",
        "Default build image",
        "Used by jobs that name no image:, e.g. an image in your ACR.",
    ),
    F.FieldSpec(
        "images.precache",
        "Images to pre-cache (optional)",
        "Comma-separated; written as an ImageCache manifest, billed as a snapshot.",
        kind=F.LIST,
    ),
    F.FieldSpec(
        "images.image_cache_name",
        "ImageCache name",
        "The name of that ImageCache object.",
        show_if=lambda a: bool(a.images.precache),
    ),
    F.FieldSpec(
        "images.mirror",
        "Registry mirror for this host's docker (optional)",
        "An https:// URL merged into daemon.json registry-mirrors; other keys are kept.",
    ),
    F.FieldSpec(
        "images.daemon_json",
        "daemon.json path",
        "The docker daemon's configuration file on this host.",
        show_if=lambda a: bool(a.images.mirror),
    ),
)


class ImagesScreen(StepScreen):
    """Helper image, build image, pre-cached images and the docker mirror."""

    STEP = "images"
    HELP = HELP
    FIELDS = FIELDS
