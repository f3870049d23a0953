"""OSS cache checks: the AccessKey, the bucket, and a dry run of the volume objects."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.checks import aliyun
from wizard.checks.common import CheckFailed, error, ok, split_endpoint
from wizard.checks.errors import describe, for_code
from wizard.secret import reveal

if TYPE_CHECKING:
    from wizard.checks import CheckResult, Timeouts
    from wizard.model import Answers

# Client libraries the checks import lazily (preloaded one at a time).
SDKS = (
    "oss2",
    "aliyunsdkcore.client",
    "aliyunsdkcore.request",
    "aliyunsdkcore.acs_exception.exceptions",
    "kubernetes.client",
    "kubernetes.config.kube_config",
    "yaml",
    "wizard.write.manifests",
)


def check_access_key(answers: Answers, timeouts: Timeouts) -> CheckResult:
    """STS GetCallerIdentity: needs no permission, so it tests only the key."""
    data = aliyun.call(answers, timeouts, "sts", "GetCallerIdentity", {})
    account = data.get("AccountId", "?")
    kind = data.get("IdentityType", "")
    return ok(
        f"AccessKey valid: account {account}" + (f" ({kind})" if kind else ""),
        account_id=account,
    )


def oss_endpoint(answers: Answers) -> str:
    """Where the wizard reaches OSS: the override, else the region's public endpoint.

    The volume itself uses the internal endpoint, which only answers inside the VPC.
    """
    return answers.endpoints.oss or f"https://oss-{answers.cache.region}.aliyuncs.com"


def check_bucket(answers: Answers, timeouts: Timeouts) -> CheckResult:
    """The bucket exists, the key may read its info, and it is in the answered region."""
    import oss2

    endpoint = oss_endpoint(answers)
    scheme, host, port = split_endpoint(endpoint)
    auth = oss2.Auth(
        reveal(answers.cache.access_key_id), reveal(answers.cache.access_key_secret)
    )
    bucket = oss2.Bucket(
        auth,
        f"{scheme}://{host}:{port}",
        answers.cache.bucket,
        connect_timeout=timeouts.total,
    )
    try:
        info = bucket.get_bucket_info()
    except oss2.exceptions.RequestError as exc:
        raise CheckFailed(describe(exc, f"OSS at {endpoint}", timeouts.total)) from None
    except oss2.exceptions.ServerError as exc:
        code = exc.code or ""
        if isinstance(exc, oss2.exceptions.NoSuchBucket) or code == "NoSuchBucket":
            return error(f"bucket {answers.cache.bucket}: {for_code('NoSuchBucket')}")
        return error(
            f"bucket {answers.cache.bucket}: OSS said {code or exc.status}: {for_code(code)}"
        )
    location = info.location or ""
    wanted = f"oss-{answers.cache.region}"
    if answers.cache.region and location and location != wanted:
        found = location.removeprefix("oss-")
        return error(
            f"bucket {answers.cache.bucket} is in {found}, not {answers.cache.region}; "
            f"set the region to {found} (the endpoint follows it)",
            bucket_region=found,
        )
    return ok(
        f"bucket {answers.cache.bucket} found in {location.removeprefix('oss-') or 'its region'}"
    )


def cache_manifests(answers: Answers) -> list[dict]:
    """The Secret, PV and PVC the cache step writes, from the domain's renderer."""
    from wizard.write.manifests import cache_documents

    if answers.cache.mode not in ("csi", "flexvolume"):
        return []
    return cache_documents(answers)


def check_dry_run(answers: Answers, timeouts: Timeouts) -> CheckResult:
    """The Secret, PV and PVC pass a server-side dry run in the cluster."""
    from wizard.checks.apply import dry_run

    docs = cache_manifests(answers)
    if not docs:
        return ok("no volume objects for this cache mode")
    notes = dry_run(answers, timeouts, docs)
    return ok("the API server accepts " + ", ".join(notes) + " (dry run)")
