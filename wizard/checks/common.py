"""Helpers every check shares: a hard deadline, results, a reachability probe."""

from __future__ import annotations

import functools
import logging
import socket
import ssl
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from wizard.checks import ERROR, NOT_CHECKED, OK, WARNING, CheckResult, Timeouts
from wizard.checks.errors import describe, network_kind

if TYPE_CHECKING:
    from wizard.model import Answers

logger = logging.getLogger(__name__)

# aliyun-python-sdk-core logs failed calls with the signed string (the
# AccessKey ID in it), and oss2 logs request headers at debug level: credentials
# used by a check must never reach a log, so these loggers stay quiet.
for _name in ("aliyunsdkcore", "oss2"):
    logging.getLogger(_name).setLevel(logging.CRITICAL)


class CheckFailed(Exception):
    """A check's verdict raised from deep inside it: carries the one-line message."""

    def __init__(self, message: str, status: str = ERROR, facts: dict | None = None):
        super().__init__(message)
        self.message = message
        self.status = status
        self.facts = facts or {}


def ok(message: str, **facts: object) -> CheckResult:
    return CheckResult(OK, message, dict(facts))


def warning(message: str, **facts: object) -> CheckResult:
    return CheckResult(WARNING, message, dict(facts))


def error(message: str, **facts: object) -> CheckResult:
    return CheckResult(ERROR, message, dict(facts))


def skipped(message: str) -> CheckResult:
    return CheckResult(NOT_CHECKED, message)


def guarded(
    fn: Callable[[Answers, Timeouts], CheckResult], where: str = "the service"
) -> Callable[[Answers, Timeouts], CheckResult]:
    """Wrap a check so it never raises and always returns by its total timeout."""

    @functools.wraps(fn)
    def run(answers: Answers, timeouts: Timeouts) -> CheckResult:
        box: list[CheckResult] = []

        def body() -> None:
            box.append(_call(fn, answers, timeouts, where))

        # The client libraries retry and stack their own timeouts, so the total
        # is enforced here; a late worker finishes on its own socket timeouts.
        worker = threading.Thread(target=body, daemon=True, name=f"check-{fn.__name__}")
        worker.start()
        worker.join(timeouts.total)
        if box:
            return box[0]
        return error(
            f"no answer within {timeouts.total:g}s from {where}; check the address, "
            "a firewall or a proxy in between"
        )

    return run


def _call(fn, answers, timeouts, where) -> CheckResult:
    try:
        return fn(answers, timeouts)
    except CheckFailed as exc:
        return CheckResult(exc.status, exc.message, exc.facts)
    except Exception as exc:  # a check must never raise into the UI
        if network_kind(exc):
            return error(describe(exc, where, timeouts.total))
        # Only the type: messages of some libraries echo request URLs or bodies.
        logger.error("check %s failed: %s", fn.__name__, type(exc).__name__)
        return error(
            f"the check failed unexpectedly ({type(exc).__name__}); see the log"
        )


def split_endpoint(
    endpoint: str, default_scheme: str = "https"
) -> tuple[str, str, int]:
    """Scheme, host and port of `host`, `host:port` or `scheme://host[:port]`."""
    if "://" not in endpoint:
        endpoint = f"{default_scheme}://{endpoint}"
    parts = urlsplit(endpoint)
    scheme = parts.scheme or default_scheme
    port = parts.port or (443 if scheme == "https" else 80)
    return scheme, parts.hostname or "", port


def probe(scheme: str, host: str, port: int, timeouts: Timeouts) -> str | None:
    """Open (and for https, handshake) one connection; the failure kind or None.

    aliyun-python-sdk-core reduces every network error to a text message, so
    this typed probe tells DNS, refusal, timeout and TLS failures apart.
    """
    try:
        with socket.create_connection((host, port), timeout=timeouts.connect) as sock:
            if scheme == "https":
                ctx = ssl.create_default_context()
                with ctx.wrap_socket(sock, server_hostname=host):
                    pass
    except Exception as exc:
        return network_kind(exc) or "refused"
    return None
