"""Kubernetes manifests: the OSS cache volume (Secret, PV, PVC) and the ImageCache."""

from __future__ import annotations

import yaml

from wizard.model import Answers
from wizard.secret import reveal
from wizard.validate import oss_internal_endpoint

CSI_DRIVER = "ossplugin.csi.alibabacloud.com"
FLEX_DRIVER = "alicloud/oss"
# ossfs options for a cache: no stale stat cache between pods, and readable
# by the job's user whatever uid the image runs as.
CACHE_MOUNT_OPTIONS = "-o max_stat_cache_size=0 -o allow_other"
STORAGE_CLASS = "oss"  # the write-up's name; binds PV and PVC statically


def oss_url(answers: Answers) -> str:
    """The endpoint the volume mounts through: the given one, or the region's internal one."""
    c = answers.cache
    return c.endpoint or oss_internal_endpoint(c.region)


def cache_documents(answers: Answers) -> list[dict]:
    """Secret + static PV + bound PVC for csi; PV + PVC for the legacy flexVolume."""
    c = answers.cache
    ns = answers.cluster.namespace
    docs: list[dict] = []
    pv_spec: dict = {
        "capacity": {"storage": c.capacity},
        "accessModes": ["ReadWriteMany"],
        "persistentVolumeReclaimPolicy": "Retain",
        "storageClassName": STORAGE_CLASS,
        "claimRef": {"namespace": ns, "name": c.pvc_name},
    }
    if c.mode == "csi":
        docs.append(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": c.secret_name, "namespace": ns},
                "type": "Opaque",
                "stringData": {
                    "akId": reveal(c.access_key_id),
                    "akSecret": reveal(c.access_key_secret),
                },
            }
        )
        pv_spec["csi"] = {
            "driver": CSI_DRIVER,
            "volumeHandle": c.pv_name,  # the driver requires it to equal the PV name
            "nodePublishSecretRef": {"name": c.secret_name, "namespace": ns},
            "volumeAttributes": {
                "bucket": c.bucket,
                "url": oss_url(answers),
                "path": c.path,
                "otherOpts": CACHE_MOUNT_OPTIONS,
            },
        }
    else:
        pv_spec["flexVolume"] = {
            "driver": FLEX_DRIVER,
            "options": {
                "bucket": c.bucket,
                "url": oss_url(answers),
                "path": c.path,
                "akId": reveal(c.access_key_id),
                "akSecret": reveal(c.access_key_secret),
                "otherOpts": CACHE_MOUNT_OPTIONS,
            },
        }
    docs.append(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolume",
            "metadata": {"name": c.pv_name, "labels": {"alicloud-pvname": c.pv_name}},
            "spec": pv_spec,
        }
    )
    docs.append(
        {
            "apiVersion": "v1",
            "kind": "PersistentVolumeClaim",
            "metadata": {"name": c.pvc_name, "namespace": ns},
            "spec": {
                "accessModes": ["ReadWriteMany"],
                "storageClassName": STORAGE_CLASS,
                "resources": {"requests": {"storage": c.capacity}},
                "volumeName": c.pv_name,
                "selector": {"matchLabels": {"alicloud-pvname": c.pv_name}},
            },
        }
    )
    return docs


def image_cache_document(answers: Answers) -> dict:
    """An ECI ImageCache holding the images to pre-pull (cluster-scoped)."""
    i = answers.images
    return {
        "apiVersion": "eci.alibabacloud.com/v1",
        "kind": "ImageCache",
        "metadata": {"name": i.image_cache_name},
        "spec": {"images": list(i.precache)},
    }


def render(docs: list[dict]) -> str:
    """Several documents as one YAML stream, keys in the order written."""
    return yaml.safe_dump_all(docs, sort_keys=False, default_flow_style=False)
