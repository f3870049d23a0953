"""GitLab checks against a local GitLab API over HTTP and HTTPS."""

from __future__ import annotations

import re
import stat

import pytest
from servers.answers import FAST, answers_for

from wizard.checks import ERROR, OK, WARNING, checks_for
from wizard.checks.common import CheckFailed
from wizard.checks.gitlab import (
    check_api,
    check_verify,
    create_runner,
    obtain_runner_token,
    system_id,
)
from wizard.secret import Secret

pytest_plugins = ["servers.fixtures"]
pytestmark = pytest.mark.usefixtures("loopback_only")


def _answers(server, tmp_path, token="GR1348941registration"):
    a = answers_for(gitlab=server)
    a.registration.token = Secret(token)
    a.target.config = str(tmp_path / "config.toml")
    return a


def test_version_401_without_token_still_proves_gitlab(gitlab, tmp_path):
    """No token: 401 is GitLab; a registration token draws the 17.0 warning."""
    result = check_api(_answers(gitlab, tmp_path), FAST)
    assert result.status == WARNING
    assert "17.0" in result.message and "glrt-" in result.message


def test_version_200_with_personal_token(gitlab, tmp_path):
    a = _answers(gitlab, tmp_path, token="glrt-t3stRunnerToken4567890xyz")
    a.registration.personal_access_token = Secret("glpat-personal")
    result = check_api(a, FAST)
    assert result.status == OK
    assert result.facts["gitlab_version"] == "17.3.1"


def test_registration_token_on_new_gitlab_warns(gitlab, tmp_path):
    a = _answers(gitlab, tmp_path)
    a.registration.personal_access_token = Secret("glpat-personal")
    result = check_api(a, FAST)
    assert result.status == WARNING
    assert "17.0" in result.message


def test_not_gitlab(tmp_path):
    from servers.base import App, LocalServer

    with LocalServer(App()) as other:
        result = check_api(_answers(other, tmp_path), FAST)
    assert result.status == ERROR
    assert "not a GitLab API" in result.message


def test_verify_sends_system_id_and_creates_it_0600(gitlab, tmp_path):
    a = _answers(gitlab, tmp_path, token="glrt-t3stRunnerToken4567890xyz")
    result = check_verify(a, FAST)
    assert result.status == OK and result.facts["runner_id"] == 42
    id_file = tmp_path / ".runner_system_id"
    sid = id_file.read_text().strip()
    assert re.fullmatch(r"s_[0-9a-f]{12}", sid)
    assert stat.S_IMODE(id_file.stat().st_mode) == 0o600
    assert gitlab.app.managers == [
        {"token": "glrt-t3stRunnerToken4567890xyz", "system_id": sid}
    ]


def test_existing_system_id_is_reused(gitlab, tmp_path):
    (tmp_path / ".runner_system_id").write_text("s_0123456789ab\n")
    a = _answers(gitlab, tmp_path, token="glrt-t3stRunnerToken4567890xyz")
    assert system_id(a) == "s_0123456789ab"
    check_verify(a, FAST)
    assert gitlab.app.managers[-1]["system_id"] == "s_0123456789ab"


def test_verify_is_confirm_only(gitlab, tmp_path):
    a = _answers(gitlab, tmp_path, token="glrt-t3stRunnerToken4567890xyz")
    checks = {c.name: c for c in checks_for("registration", a)}
    assert checks["gitlab.verify"].on_confirm_only
    assert not checks["gitlab.api"].on_confirm_only


def test_verify_bad_token(gitlab, tmp_path):
    a = _answers(gitlab, tmp_path, token="glrt-wrong")
    result = checks_for("registration", a)[1].run(a, FAST)
    assert result.status == ERROR and "403" in result.message


def test_legacy_exchange_sends_runner_settings(gitlab, tmp_path):
    a = _answers(gitlab, tmp_path)
    a.registration.description = "eci runner"
    a.registration.tags = ["eci", "k8s"]
    a.registration.run_untagged = True
    a.registration.locked = False
    found = obtain_runner_token(a, FAST)
    assert found is not None and found.token.reveal().startswith("t1_")
    assert found.expires_at is None
    sent = gitlab.app.registered[0]
    assert sent["description"] == "eci runner"
    assert sent["tag_list"] == "eci,k8s"
    assert sent["run_untagged"] is True and sent["locked"] is False


def test_legacy_exchange_403_and_410(gitlab, tmp_path):
    a = _answers(gitlab, tmp_path, token="GR1348941wrong")
    with pytest.raises(CheckFailed, match="403"):
        obtain_runner_token(a, FAST)
    gitlab.app.registration_disabled = True
    with pytest.raises(CheckFailed, match=r"disabled \(410\).*glrt-"):
        obtain_runner_token(_answers(gitlab, tmp_path), FAST)


def test_create_with_personal_access_token(gitlab, tmp_path):
    a = _answers(gitlab, tmp_path, token="")
    a.registration.token = None
    a.registration.personal_access_token = Secret("glpat-personal")
    found = obtain_runner_token(a, FAST)
    assert found.token.reveal().startswith("glrt-")
    a.registration.personal_access_token = Secret("glpat-wrong")
    with pytest.raises(CheckFailed, match="401"):
        create_runner(a, FAST)


def test_https_untrusted_then_trusted_with_ca_file(gitlab_tls, pki, tmp_path):
    a = _answers(gitlab_tls, tmp_path)
    result = checks_for("registration", a)[0].run(a, FAST)
    assert result.status == ERROR and "not trusted" in result.message
    a.registration.tls_ca_file = pki.write_ca(tmp_path / "ca.pem")
    assert check_api(a, FAST).status == WARNING  # reached: only the flow warning


def test_https_verify_with_ca_file(gitlab_tls, pki, tmp_path):
    a = _answers(gitlab_tls, tmp_path, token="glrt-t3stRunnerToken4567890xyz")
    a.registration.tls_ca_file = pki.write_ca(tmp_path / "ca.pem")
    assert check_verify(a, FAST).status == OK


def test_missing_ca_file(gitlab_tls, tmp_path):
    a = _answers(gitlab_tls, tmp_path)
    a.registration.tls_ca_file = str(tmp_path / "nope.pem")
    result = checks_for("registration", a)[0].run(a, FAST)
    assert result.status == ERROR and "CA file" in result.message
