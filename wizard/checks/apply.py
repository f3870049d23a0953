"""Dry run and server-side apply of the wizard's manifests."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from wizard.checks.cluster import api_client, api_error, request_timeout
from wizard.checks.common import CheckFailed, ok

if TYPE_CHECKING:
    from wizard.checks import CheckResult, Timeouts
    from wizard.model import Answers

# Client libraries the checks import lazily (preloaded one at a time).
SDKS = (
    "kubernetes.client",
    "kubernetes.config.kube_config",
    "yaml",
    "wizard.write.manifests",
)


FIELD_MANAGER = "ask-runner-wizard"

# kind → (plural, namespaced) for every kind the wizard writes.
KINDS: dict[str, tuple[str, bool]] = {
    "Secret": ("secrets", True),
    "PersistentVolume": ("persistentvolumes", False),
    "PersistentVolumeClaim": ("persistentvolumeclaims", True),
    "ConfigMap": ("configmaps", True),
    "Namespace": ("namespaces", False),
    "ImageCache": ("imagecaches", False),
}


def _collection(doc: dict, namespace: str) -> str:
    api_version = doc.get("apiVersion", "")
    kind = doc.get("kind", "")
    if kind not in KINDS:
        raise CheckFailed(f"the wizard cannot apply a {kind or 'kindless'} object")
    plural, namespaced = KINDS[kind]
    prefix = "/api/v1" if api_version == "v1" else f"/apis/{api_version}"
    if namespaced:
        ns = (doc.get("metadata") or {}).get("namespace") or namespace
        return f"{prefix}/namespaces/{ns}/{plural}"
    return f"{prefix}/{plural}"


def _label(doc: dict) -> str:
    return f"{doc.get('kind')} {(doc.get('metadata') or {}).get('name', '?')}"


def _send(answers, timeouts, api, method, path, query, body, content_type, what):
    """One request through the client's own serializer, auth and TLS settings."""
    try:
        _request(api, method, path, query, body, content_type, timeouts)
    except CheckFailed:
        raise
    except Exception as exc:
        raise _explain(exc, answers, timeouts, what) from None


def _request(api, method, path, query, body, content_type, timeouts) -> None:
    from kubernetes.client.exceptions import ApiException

    request = api.param_serialize(
        method=method,
        resource_path=path,
        query_params=query,
        header_params={"Content-Type": content_type, "Accept": "application/json"},
        body=body,
        auth_settings=["BearerToken"],
    )
    response = api.call_api(*request, _request_timeout=request_timeout(timeouts))
    response.read()
    if not 200 <= response.status <= 299:
        raise ApiException.from_response(
            http_resp=response, body=response.data.decode("utf-8", "replace"), data=None
        )


def _explain(exc, answers, timeouts, what) -> CheckFailed:
    from kubernetes.client.exceptions import ApiException

    if isinstance(exc, ApiException) and exc.status in (400, 404, 409, 422):
        reason = _status_message(exc)
        if exc.status == 404 and "namespaces" in reason:
            reason += f"; create namespace {answers.cluster.namespace} first"
        return CheckFailed(f"{what} rejected ({exc.status}): {reason}")
    return api_error(exc, answers, timeouts, what)


def _status_message(exc) -> str:
    try:
        return str(json.loads(exc.body).get("message") or exc.reason)
    except (TypeError, ValueError):
        return str(exc.reason)


def dry_run(answers: Answers, timeouts: Timeouts, docs: list[dict]) -> list[str]:
    """Create each object with dryRun=All; an object that exists is fine."""
    from kubernetes.client.exceptions import ApiException

    api = api_client(answers, timeouts)
    done = []
    for doc in docs:
        what = f"dry run of {_label(doc)}"
        try:
            _request(
                api,
                "POST",
                _collection(doc, answers.cluster.namespace),
                [("dryRun", "All")],
                doc,
                "application/json",
                timeouts,
            )
        except ApiException as exc:
            if exc.status != 409:
                raise _explain(exc, answers, timeouts, what) from None
            # It exists already; server-side apply will update it in place.
            done.append(_label(doc) + " (exists)")
            continue
        except CheckFailed:
            raise
        except Exception as exc:
            raise _explain(exc, answers, timeouts, what) from None
        done.append(_label(doc))
    return done


def _apply_pass(
    answers: Answers, timeouts: Timeouts, api, docs: list[dict], *, dry: bool
) -> list[str]:
    """One server-side apply of every object, as a dry run or for real."""
    done = []
    for doc in docs:
        meta = doc.get("metadata") or {}
        path = f"{_collection(doc, answers.cluster.namespace)}/{meta.get('name')}"
        query = [("fieldManager", FIELD_MANAGER), ("force", "true")]
        if dry:
            query.append(("dryRun", "All"))
        what = ("dry run of " if dry else "applying ") + _label(doc)
        _send(
            answers,
            timeouts,
            api,
            "PATCH",
            path,
            query,
            doc,
            "application/apply-patch+yaml",
            what,
        )
        done.append(_label(doc))
    return done


def apply(answers: Answers, timeouts: Timeouts, docs: list[dict]) -> list[str]:
    """Server-side apply every object as "ask-runner-wizard", after a dry run of all."""
    api = api_client(answers, timeouts)
    _apply_pass(answers, timeouts, api, docs, dry=True)
    return _apply_pass(answers, timeouts, api, docs, dry=False)


def review_manifests(answers: Answers) -> list[dict]:
    """Every object the review step would apply, from the domain's renderer."""
    from wizard.checks.oss import cache_manifests
    from wizard.validate import ECI_KINDS
    from wizard.write.manifests import image_cache_document

    docs = cache_manifests(answers)
    # Only ECI clusters serve the ImageCache kind (as the plan writes it).
    if answers.images.precache and answers.cluster.kind in ECI_KINDS:
        docs.append(image_cache_document(answers))
    return docs


def check_review_dry_run(answers: Answers, timeouts: Timeouts) -> CheckResult:
    """Before applying: every manifest passes a server-side apply dry run."""
    docs = review_manifests(answers)
    if not docs:
        return ok("no manifests to apply")
    _apply_pass(answers, timeouts, api_client(answers, timeouts), docs, dry=True)
    return ok(f"{len(docs)} manifests pass a server-side apply dry run")
