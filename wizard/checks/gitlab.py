"""GitLab checks: the API answers, the runner token verifies, tokens are obtained."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
import ssl
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from wizard.checks.common import CheckFailed, error, ok, warning
from wizard.checks.errors import describe, for_status
from wizard.secret import Secret, reveal

if TYPE_CHECKING:
    import httpx

    from wizard.checks import CheckResult, Timeouts
    from wizard.model import Answers

# Client libraries the checks import lazily (preloaded one at a time).
SDKS = ("httpx",)

SYSTEM_ID_FILE = ".runner_system_id"
_SYSTEM_ID = re.compile(r"^[rs]_[0-9a-zA-Z]{12}$")
# GitLab writes this for "never expires".
_NEVER = "0001-01-01T00:00:00Z"


@dataclass(frozen=True)
class RunnerToken:
    """What config.toml gets from a registration, a verify or a creation."""

    token: Secret
    id: int | None
    obtained_at: dt.datetime
    expires_at: dt.datetime | None  # None: never expires


def is_runner_token(token: str) -> bool:
    return token.startswith("glrt-")


def _client(answers: Answers, timeouts: Timeouts) -> httpx.Client:
    import httpx

    url = answers.registration.url.rstrip("/")
    ca_file = answers.registration.tls_ca_file
    # The CA file the user names is the one trust anchor, as the runner's tls-ca-file.
    verify: ssl.SSLContext | bool = (
        ssl.create_default_context(cafile=os.path.expanduser(ca_file))
        if ca_file
        else True
    )
    return httpx.Client(
        base_url=url,
        verify=verify,
        timeout=httpx.Timeout(timeouts.total, connect=timeouts.connect),
        follow_redirects=False,
    )


def _where(answers: Answers) -> str:
    return answers.registration.url or "GitLab"


def _request(
    answers: Answers, timeouts: Timeouts, method: str, path: str, **kw
) -> httpx.Response:
    """Send one request; network failures become CheckFailed with the fix."""
    import httpx

    try:
        with _client(answers, timeouts) as client:
            return client.request(method, path, **kw)
    except OSError as exc:  # an unreadable CA file
        raise CheckFailed(
            f"cannot read the CA file {answers.registration.tls_ca_file}: "
            f"{exc.strerror or type(exc).__name__}; check registration.tls_ca_file"
        ) from None
    except ssl.SSLError:
        raise CheckFailed(
            f"{answers.registration.tls_ca_file} is not a PEM CA certificate; "
            "name the CA file that signed GitLab's certificate"
        ) from None
    except httpx.HTTPError as exc:
        raise CheckFailed(describe(exc, _where(answers), timeouts.total)) from None


def _version(text: str) -> tuple[int, int]:
    m = re.match(r"(\d+)\.(\d+)", text)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def check_api(answers: Answers, timeouts: Timeouts) -> CheckResult:
    """GET /api/v4/version: 200 with a token, 401 without one; both prove GitLab."""
    headers = {}
    if answers.registration.personal_access_token:
        headers["PRIVATE-TOKEN"] = reveal(answers.registration.personal_access_token)
    resp = _request(answers, timeouts, "GET", "/api/v4/version", headers=headers)
    if resp.status_code == 401:
        return _flow_fit(answers, "", "GitLab API answers (its version needs a token)")
    if resp.status_code != 200:
        return error(
            f"{_where(answers)} is not a GitLab API: /api/v4/version gave "
            f"{resp.status_code}; give GitLab's root URL, like https://gitlab.example.com"
        )
    try:
        version = str(resp.json().get("version", ""))
    except ValueError:
        version = ""
    if not version:
        return error(
            f"{_where(answers)} answered /api/v4/version without a GitLab version; "
            "give GitLab's root URL"
        )
    return _flow_fit(answers, version, f"GitLab {version} answers")


def _flow_fit(answers: Answers, version: str, said: str) -> CheckResult:
    """Warn when the token pasted does not fit what this GitLab allows."""
    token = reveal(answers.registration.token)
    facts = {"gitlab_version": version} if version else {}
    major_minor = _version(version) if version else None
    if token and not is_runner_token(token):
        if major_minor is None:
            return warning(
                f"{said}; registration tokens are off by default since GitLab 17.0: "
                "if registering fails with 410, create the runner in GitLab and paste its glrt- token",
                **facts,
            )
        if major_minor >= (17, 0):
            return warning(
                f"{said}; registration tokens are off by default since 17.0: unless "
                "an admin re-enabled them, create the runner in GitLab and paste its glrt- token",
                **facts,
            )
    if token and is_runner_token(token) and major_minor and major_minor < (15, 10):
        return error(
            f"{said}; glrt- runner tokens need GitLab 15.10 or later: use a "
            "registration token from this GitLab",
            **facts,
        )
    return ok(said, **facts)


# --- the system id gitlab-runner keeps next to config.toml ---------------------


def config_path(answers: Answers) -> Path:
    """config.toml's path, with gitlab-runner's defaults."""
    from wizard.paths import resolve_config_path

    return resolve_config_path(answers.target.config)


def system_id(answers: Answers, create: bool = True) -> str:
    """The runner's system id from `.runner_system_id`, created (0600) when missing."""
    from wizard.write.files import atomic_write

    path = config_path(answers).parent / SYSTEM_ID_FILE
    try:
        text = path.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        text = ""
    if _SYSTEM_ID.match(text):
        return text
    new = "s_" + secrets.token_hex(6)
    if create:
        # Written now so that the runner, starting later, reports the same id.
        try:
            atomic_write(path, (new + "\n").encode(), 0o600)
        except OSError as exc:
            raise CheckFailed(
                f"cannot write the runner's system id to {path}: "
                f"{exc.strerror or type(exc).__name__}; run as the runner's user "
                "(root for /etc/gitlab-runner)"
            ) from None
    return new


# --- tokens --------------------------------------------------------------------


def _parse_time(raw: object) -> dt.datetime | None:
    if not raw or raw == _NEVER:
        return None
    try:
        return dt.datetime.fromisoformat(str(raw).replace("Z", "+00:00")).astimezone(
            dt.UTC
        )
    except ValueError:
        return None


def _token_from(resp: httpx.Response, fallback: str = "") -> RunnerToken:
    try:
        data = resp.json()
    except ValueError:
        data = {}
    token = str(data.get("token") or fallback)
    if not token:
        raise CheckFailed("GitLab's answer held no runner token; try again")
    return RunnerToken(
        token=Secret(token),
        id=data.get("id"),
        obtained_at=dt.datetime.now(dt.UTC).replace(microsecond=0),
        expires_at=_parse_time(data.get("token_expires_at")),
    )


def verify_runner_token(answers: Answers, timeouts: Timeouts) -> RunnerToken:
    """POST /api/v4/runners/verify: records a runner manager for our system id."""
    token = reveal(answers.registration.token) or reveal(
        answers.registration.runner_token
    )
    resp = _request(
        answers,
        timeouts,
        "POST",
        "/api/v4/runners/verify",
        json={"token": token, "system_id": system_id(answers)},
    )
    if resp.status_code in (401, 403):
        raise CheckFailed(
            f"GitLab refused the runner token ({resp.status_code}): it is wrong or "
            "was revoked; copy the glrt- token again from the runner's page in GitLab"
        )
    if resp.status_code != 200:
        raise CheckFailed(f"verifying the runner token: {for_status(resp.status_code)}")
    return _token_from(resp, fallback=token)


def check_verify(answers: Answers, timeouts: Timeouts) -> CheckResult:
    """The on-confirm check of a glrt- token."""
    found = verify_runner_token(answers, timeouts)
    expires = found.expires_at.isoformat() if found.expires_at else "never"
    return ok(
        f"runner token valid (runner {found.id}, expires {expires})",
        runner_id=found.id,
        token_expires_at=found.expires_at,
    )


def register_runner(answers: Answers, timeouts: Timeouts) -> RunnerToken:
    """Exchange a legacy registration token: POST /api/v4/runners."""
    reg = answers.registration
    resp = _request(
        answers,
        timeouts,
        "POST",
        "/api/v4/runners",
        json={
            "token": reveal(reg.token),
            "description": reg.description or reg.name,
            "tag_list": ",".join(reg.tags),
            "run_untagged": reg.run_untagged,
            "locked": reg.locked,
        },
    )
    if resp.status_code == 403:
        raise CheckFailed(
            "GitLab refused the registration token (403): it is wrong or was "
            "reset; copy it again from the project's, group's or admin's Runners page"
        )
    if resp.status_code == 410:
        raise CheckFailed(
            "this GitLab has registration tokens disabled (410): create the runner "
            "in GitLab (Settings > CI/CD > Runners > New runner) and paste its glrt- "
            "token, or ask an admin to allow registration tokens again"
        )
    if resp.status_code != 201:
        raise CheckFailed(f"registering the runner: {for_status(resp.status_code)}")
    return _token_from(resp)


def create_runner(
    answers: Answers,
    timeouts: Timeouts,
    runner_type: str = "instance_type",
    group_id: int | None = None,
    project_id: int | None = None,
) -> RunnerToken:
    """Create a runner with a personal access token: POST /api/v4/user/runners."""
    reg = answers.registration
    body: dict[str, object] = {
        "runner_type": runner_type,
        "description": reg.description or reg.name,
        "tag_list": ",".join(reg.tags),
        "run_untagged": reg.run_untagged,
        "locked": reg.locked,
    }
    if group_id is not None:
        body["group_id"] = group_id
    if project_id is not None:
        body["project_id"] = project_id
    resp = _request(
        answers,
        timeouts,
        "POST",
        "/api/v4/user/runners",
        json=body,
        headers={"PRIVATE-TOKEN": reveal(reg.personal_access_token)},
    )
    if resp.status_code == 401:
        raise CheckFailed(
            "GitLab refused the personal access token (401): it is wrong or "
            "expired; create one with the create_runner scope"
        )
    if resp.status_code == 403:
        raise CheckFailed(
            "the personal access token may not create this runner (403): it needs "
            "the create_runner scope and rights on the project, group or instance"
        )
    if resp.status_code != 201:
        raise CheckFailed(f"creating the runner: {for_status(resp.status_code)}")
    return _token_from(resp)


def obtain_runner_token(answers: Answers, timeouts: Timeouts) -> RunnerToken | None:
    """At write time: the token config.toml gets, or None when one is already known.

    A legacy registration token is exchanged; with a personal access token and
    no other token, a runner is created. Raises CheckFailed with the fix.
    """
    reg = answers.registration
    token = reveal(reg.token)
    if reg.runner_token:
        return None
    if token and not is_runner_token(token):
        return register_runner(answers, timeouts)
    if not token and reg.personal_access_token:
        return create_runner(answers, timeouts)
    return None


def apply_token(answers: Answers, found: RunnerToken) -> None:
    """Store an obtained token in the answers, as config.toml will hold it."""
    reg = answers.registration
    reg.runner_token = found.token
    reg.runner_id = found.id
    reg.token_obtained_at = found.obtained_at
    reg.token_expires_at = found.expires_at
