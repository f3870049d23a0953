"""Dry runs and server-side apply of the manifests against the local Kubernetes API."""

from __future__ import annotations

import pytest
from servers.answers import FAST, answers_for, cert_kubeconfig, token_kubeconfig

from wizard.checks import ERROR, OK, checks_for
from wizard.checks.apply import FIELD_MANAGER, apply, review_manifests
from wizard.checks.common import CheckFailed

pytest_plugins = ["servers.fixtures"]
pytestmark = pytest.mark.usefixtures("loopback_only")


def _answers(kube, pki, token=True):
    text = token_kubeconfig(pki, kube) if token else cert_kubeconfig(pki, kube)
    a = answers_for(kube_config=text)
    a.cache.mode = "csi"
    a.review.apply = True
    return a


def run(step, a, name):
    (check,) = [c for c in checks_for(step, a) if c.name == name]
    return check.run(a, FAST)


def test_cache_objects_pass_a_dry_run(kube, pki):
    result = run("cache", _answers(kube, pki), "oss.dry_run")
    assert result.status == OK, result.message
    assert kube.app.dry_runs == [
        ("POST", "secrets/gitlab-cache-oss"),
        ("POST", "persistentvolumes/gitlab-cache-pv"),
        ("POST", "persistentvolumeclaims/gitlab-cache-pvc"),
    ]
    assert kube.app.objects == {}  # a dry run stores nothing


def test_dry_run_in_missing_namespace(kube, pki):
    a = _answers(kube, pki)
    a.cluster.namespace = "nowhere"
    result = run("cache", a, "oss.dry_run")
    assert result.status == ERROR
    assert 'namespaces "nowhere" not found' in result.message
    assert "create namespace nowhere first" in result.message


def test_dry_run_forbidden(kube, pki):
    kube.app.grants["ci-bot"].discard(("create", "persistentvolumes"))
    result = run("cache", _answers(kube, pki), "oss.dry_run")
    assert result.status == ERROR and "403" in result.message


def test_apply_dry_run_first_then_server_side_apply(kube, pki):
    a = _answers(kube, pki)
    assert run("review", a, "review.dry_run").status == OK
    assert kube.app.objects == {}
    done = apply(a, FAST, review_manifests(a))
    assert done == [
        "Secret gitlab-cache-oss",
        "PersistentVolume gitlab-cache-pv",
        "PersistentVolumeClaim gitlab-cache-pvc",
    ]
    assert [m for _, m in kube.app.applied] == [FIELD_MANAGER] * 3
    stored = kube.app.objects[("secrets", "ci", "gitlab-cache-oss")]
    assert stored["metadata"]["managedFields"][0]["manager"] == "ask-runner-wizard"
    # Applying again is idempotent, and a create dry run now reports "exists".
    apply(a, FAST, review_manifests(a))
    assert "(exists)" in run("cache", a, "oss.dry_run").message


def test_apply_stops_before_changing_anything_when_one_object_fails(kube, pki):
    kube.app.grants["ci-bot"].discard(("patch", "persistentvolumeclaims"))
    a = _answers(kube, pki)
    with pytest.raises(CheckFailed, match="dry run of PersistentVolumeClaim"):
        apply(a, FAST, review_manifests(a))
    assert kube.app.objects == {}


def test_image_cache_applied_on_eci(kube, pki):
    a = _answers(kube, pki, token=False)
    a.images.precache = ["node:20"]
    docs = review_manifests(a)
    assert docs[-1]["kind"] == "ImageCache"
    apply(a, FAST, docs)
    assert ("imagecaches", None, "gitlab-ci-images") in kube.app.objects
