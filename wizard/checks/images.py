"""Image checks: the mirror and registry answer, the helper tag exists."""

from __future__ import annotations

import ipaddress
import re
from typing import TYPE_CHECKING

from wizard.checks.common import CheckFailed, error, ok, warning
from wizard.checks.errors import describe

if TYPE_CHECKING:
    import httpx

    from wizard.checks import CheckResult, Timeouts
    from wizard.model import Answers

# Client libraries the checks import lazily (preloaded one at a time).
SDKS = ("httpx",)

DEFAULT_HELPER = "registry.gitlab.com/gitlab-org/gitlab-runner/gitlab-runner-helper"
MANIFEST_TYPES = ", ".join(
    (
        "application/vnd.oci.image.index.v1+json",
        "application/vnd.docker.distribution.manifest.list.v2+json",
        "application/vnd.docker.distribution.manifest.v2+json",
        "application/vnd.oci.image.manifest.v1+json",
    )
)


def split_image(ref: str) -> tuple[str, str, str]:
    """Registry host, repository and tag ("" when none) of an image reference."""
    ref = ref.split("@", 1)[0]
    first, _, rest = ref.partition("/")
    if rest and ("." in first or ":" in first or first == "localhost"):
        host, path = first, rest
    else:
        host, path = "registry-1.docker.io", ref if "/" in ref else f"library/{ref}"
    repo, _, tag = (
        path.rpartition(":") if ":" in path.rsplit("/", 1)[-1] else (path, "", "")
    )
    return host, repo, tag


def _scheme(host: str) -> str:
    """Docker pulls from loopback registries over plain HTTP, from others over HTTPS."""
    name = host.rsplit(":", 1)[0] if host.count(":") == 1 else host
    if name == "localhost":
        return "http"
    try:
        return "http" if ipaddress.ip_address(name.strip("[]")).is_loopback else "https"
    except ValueError:
        return "https"


def expected_helper_tag(answers: Answers) -> str:
    version = answers.images.runner_version.lstrip("v")
    return f"{answers.images.arch}-v{version}" if version else ""


def _client(timeouts: Timeouts) -> httpx.Client:
    import httpx

    return httpx.Client(timeout=httpx.Timeout(timeouts.total, connect=timeouts.connect))


def _get(timeouts: Timeouts, method: str, url: str, where: str, **kw) -> httpx.Response:
    import httpx

    try:
        with _client(timeouts) as client:
            return client.request(method, url, **kw)
    except httpx.HTTPError as exc:
        raise CheckFailed(describe(exc, where, timeouts.total)) from None


def _ping(base: str, timeouts: Timeouts, what: str) -> CheckResult:
    resp = _get(timeouts, "GET", f"{base.rstrip('/')}/v2/", base)
    if resp.status_code in (200, 401):
        return ok(f"{what} {base} answers as a registry")
    return error(
        f"{what} {base} answered {resp.status_code} to /v2/: not a registry API; "
        "check the URL (scheme and host only)"
    )


def check_mirror(answers: Answers, timeouts: Timeouts) -> CheckResult:
    """The docker daemon's mirror answers GET /v2/."""
    return _ping(answers.images.mirror, timeouts, "mirror")


def check_registry(answers: Answers, timeouts: Timeouts) -> CheckResult:
    """The helper image's registry answers GET /v2/."""
    host, _, _ = split_image(answers.images.helper_image or DEFAULT_HELPER)
    return _ping(f"{_scheme(host)}://{host}", timeouts, "registry")


def _bearer(challenge: str) -> dict[str, str]:
    """The parameters of a `Bearer realm=…,service=…,scope=…` challenge."""
    if not challenge.lower().startswith("bearer "):
        return {}
    return dict(re.findall(r'(\w+)="([^"]*)"', challenge))


def manifest_status(ref: str, timeouts: Timeouts) -> int:
    """HTTP status of a manifest HEAD, after the anonymous token dance if asked."""
    host, repo, tag = split_image(ref)
    base = f"{_scheme(host)}://{host}"
    url = f"{base}/v2/{repo}/manifests/{tag or 'latest'}"
    headers = {"Accept": MANIFEST_TYPES}
    resp = _get(timeouts, "HEAD", url, base, headers=headers)
    if resp.status_code == 401:
        params = _bearer(resp.headers.get("www-authenticate", ""))
        if not params.get("realm"):
            return 401
        query = {
            "service": params.get("service", ""),
            "scope": params.get("scope") or f"repository:{repo}:pull",
        }
        token_resp = _get(
            timeouts, "GET", params["realm"], params["realm"], params=query
        )
        if token_resp.status_code != 200:
            return 401
        body = token_resp.json()
        token = body.get("token") or body.get("access_token")
        if not token:
            return 401
        headers["Authorization"] = f"Bearer {token}"
        resp = _get(timeouts, "HEAD", url, base, headers=headers)
    return resp.status_code


def check_helper_tag(answers: Answers, timeouts: Timeouts) -> CheckResult:
    """The helper image tag for this runner version and arch exists."""
    ref = answers.images.helper_image or DEFAULT_HELPER
    host, repo, tag = split_image(ref)
    wanted = expected_helper_tag(answers)
    tag = tag or wanted
    full = f"{host}/{repo}:{tag}"
    status = manifest_status(full, timeouts)
    if status == 200:
        if wanted and tag != wanted:
            return warning(
                f"{full} exists, but runner {answers.images.runner_version} on {answers.images.arch} needs tag {wanted}"
            )
        return ok(f"{full} exists")
    if status == 404:
        return error(
            f"{full} is not in the registry; copy it there: docker pull "
            f"{DEFAULT_HELPER}:{tag}, docker tag, docker push"
        )
    if status == 401:
        return warning(
            f"{host} needs credentials to show {repo}; check that tag {tag} exists there by hand"
        )
    return warning(f"{host} answered {status} for {full}; check the tag by hand")
