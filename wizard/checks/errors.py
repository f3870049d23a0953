"""One place that turns exceptions and service error codes into what to do."""

from __future__ import annotations

import socket
import ssl

# Alibaba Cloud (RPC and OSS) error codes, as the SDKs report them.
CODES: dict[str, str] = {
    "InvalidAccessKeyId.NotFound": (
        "the AccessKey ID does not exist; copy it again from the RAM console "
        "(AccessKey management)"
    ),
    "InvalidAccessKeyId": (
        "the AccessKey ID does not exist; copy it again from the RAM console "
        "(AccessKey management)"
    ),
    "InvalidAccessKeyId.Inactive": (
        "the AccessKey is disabled; enable it in the RAM console or create a new one"
    ),
    "SignatureDoesNotMatch": (
        "the AccessKey secret does not match the AccessKey ID; paste the secret "
        "that was shown when this key was created"
    ),
    # The core SDK renames SignatureDoesNotMatch to this when it can tell.
    "InvalidAccessKeySecret": (
        "the AccessKey secret does not match the AccessKey ID; paste the secret "
        "that was shown when this key was created"
    ),
    "NoSuchBucket": (
        "the bucket does not exist; check its name and region, or create it in "
        "the OSS console"
    ),
    "AccessDenied": (
        "this AccessKey may not use the bucket; grant its RAM user "
        "oss:GetBucketInfo, oss:ListObjects, oss:GetObject, oss:PutObject and "
        "oss:DeleteObject on it"
    ),
    "Forbidden.RAM": (
        "this AccessKey lacks the RAM permission for this call; attach the "
        "service's read-only policy to its RAM user"
    ),
    "Forbidden": (
        "this AccessKey lacks the permission for this call; attach the "
        "service's read-only policy to its RAM user"
    ),
    "NoNatGateway": ("the VPC has no NAT gateway, so pods get no internet"),
}

# HTTP statuses of the GitLab and registry APIs.
STATUSES: dict[int, str] = {
    401: "the token was not accepted (401); paste it again",
    403: "the token was refused (403); it is wrong, revoked or lacks the scope",
    404: "not found (404); check the URL",
    410: "this GitLab no longer accepts this kind of request (410)",
}


def _chain(exc: BaseException):
    """Every exception wrapped by `exc`, itself first, across the libraries' wrappers."""
    seen: set[int] = set()
    todo: list[BaseException] = [exc]
    while todo:
        cur = todo.pop(0)
        if id(cur) in seen:
            continue
        seen.add(id(cur))
        yield cur
        # urllib3 keeps the cause in .reason, oss2 in .exception, others in args.
        for nxt in (
            cur.__cause__,
            cur.__context__,
            getattr(cur, "reason", None),
            getattr(cur, "exception", None),
            *[a for a in getattr(cur, "args", ()) if isinstance(a, BaseException)],
        ):
            if isinstance(nxt, BaseException):
                todo.append(nxt)


def _is_timeout(e: BaseException) -> bool:
    if isinstance(e, TimeoutError | socket.timeout):
        return True
    names = {c.__name__ for c in type(e).__mro__}
    # httpx, urllib3 and requests each define their own timeout classes; they
    # share these class names, and importing all three here would be heavy.
    return bool(
        names
        & {
            "TimeoutException",
            "ReadTimeoutError",
            "ConnectTimeoutError",
            "Timeout",
            "ReadTimeout",
            "ConnectTimeout",
        }
    )


def network_kind(exc: BaseException) -> str | None:
    """'dns', 'refused', 'timeout', 'tls' or None, from the exception's type."""
    chain = list(_chain(exc))
    for e in chain:
        if isinstance(e, ssl.SSLCertVerificationError):
            return "tls"
    for e in chain:
        if isinstance(e, socket.gaierror):
            return "dns"
        if type(e).__name__ == "NameResolutionError":
            return "dns"
    for e in chain:
        if isinstance(e, ConnectionRefusedError):
            return "refused"
    for e in chain:
        if _is_timeout(e):
            return "timeout"
    for e in chain:
        if isinstance(e, ssl.SSLError):
            return "tls-other"
    return None


def network_message(kind: str, where: str, timeout: float | None = None) -> str:
    """The one-line message for a network failure reaching `where`."""
    if kind == "dns":
        return f"cannot resolve the host of {where}; check the spelling, or the DNS of this machine"
    if kind == "refused":
        return f"connection refused by {where}; check the host and port, and that the service runs"
    if kind == "timeout":
        limit = f" in {timeout:g}s" if timeout else ""
        return f"{where} did not answer{limit}; check the address, a firewall or a proxy in between"
    if kind == "tls":
        return (
            f"the certificate of {where} is not trusted; name the CA file that "
            "signed it (or fix the server's certificate chain)"
        )
    if kind == "tls-other":
        return f"TLS handshake with {where} failed; check that the URL's scheme and port match the service"
    return f"cannot reach {where}"


def describe(exc: BaseException, where: str, timeout: float | None = None) -> str:
    """A one-line reason and fix for a network exception, or its type name."""
    kind = network_kind(exc)
    if kind:
        return network_message(kind, where, timeout)
    return f"cannot reach {where}: {type(exc).__name__}"


def for_code(code: str, default: str = "") -> str:
    """The fix for an Alibaba Cloud error code."""
    return CODES.get(code, default or f"the service answered {code}")


def for_status(status: int, default: str = "") -> str:
    """The fix for an HTTP status of GitLab or a registry."""
    return STATUSES.get(status, default or f"unexpected HTTP status {status}")
