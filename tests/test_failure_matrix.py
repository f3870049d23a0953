"""Each error the checks translate, produced by a local server, on the right step."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from servers.answers import FAST, answers_for, token_kubeconfig
from servers.base import HangServer, LocalPKI, refused_port
from servers.kube import kubeconfig

from wizard.checks import ERROR, checks_for
from wizard.checks.common import CheckFailed
from wizard.checks.gitlab import obtain_runner_token
from wizard.secret import Secret

pytest_plugins = ["servers.fixtures"]
pytestmark = pytest.mark.usefixtures("loopback_only")


@dataclass
class World:
    gitlab: object
    kube: object
    aliyun: object
    oss: object
    pki: LocalPKI

    def answers(self):
        a = answers_for(
            gitlab=self.gitlab,
            kube_config=token_kubeconfig(self.pki, self.kube),
            aliyun=self.aliyun,
            oss=self.oss,
        )
        a.registration.token = Secret("glrt-t3stRunnerToken4567890xyz")
        a.cluster.vpc_id = "vpc-test0001"
        a.cluster.vswitch_ids = ["vsw-a"]
        return a


@pytest.fixture
def world(gitlab, kube, aliyun, oss, pki):
    return World(gitlab, kube, aliyun, oss, pki)


def _refused(w, a):
    a.registration.url = f"http://127.0.0.1:{refused_port()}"


def _dns(w, a):
    # The loopback guard answers the lookup as a resolver would: no such name.
    a.images.mirror = "https://mirror.no-such-host.invalid"


def _untrusted_kube(w, a):
    other = LocalPKI()  # the kubeconfig trusts another CA than the server's
    a.cluster.kubeconfig = Secret(
        kubeconfig(w.kube.url, other.ca_pem(), token="kube-bearer-admin")
    )


def _untrusted_gitlab(w, a):
    a.registration.url = f"https://127.0.0.1:{w.kube.port}"  # TLS, test CA


def _kube_401(w, a):
    a.cluster.kubeconfig = Secret(token_kubeconfig(w.pki, w.kube, token="revoked"))


def _glrt_403(w, a):
    a.registration.token = Secret("glrt-revokedtoken")


def _no_namespace(w, a):
    a.cluster.namespace = "jobs"


def _no_permission(w, a):
    w.kube.app.grants["ci-bot"].discard(("create", "pods/attach"))


def _unknown_key(w, a):
    a.cache.access_key_id = Secret("LTAInotakey")


def _bad_secret(w, a):
    a.cache.access_key_secret = Secret("not-the-secret")


def _no_bucket(w, a):
    a.cache.bucket = "missing-bucket"


def _denied(w, a):
    w.oss.app.add_bucket("ci-cache", users=())


def _ram_denied(w, a):
    w.aliyun.app.denied.add("DescribeContainerGroupPrice")


def _no_nat(w, a):
    pass  # the local VPC endpoint knows no NAT gateway for this VPC


CASES = [
    (
        "refused",
        "registration",
        "gitlab.api",
        _refused,
        "connection refused by http://127.0.0.1:",
    ),
    ("dns", "images", "images.mirror", _dns, "cannot resolve the host"),
    (
        "untrusted-kube",
        "cluster",
        "cluster.version",
        _untrusted_kube,
        "certificate of the Kubernetes API server is not trusted",
    ),
    (
        "untrusted-gitlab",
        "registration",
        "gitlab.api",
        _untrusted_gitlab,
        "not trusted; name the CA file",
    ),
    ("401", "cluster", "cluster.identity", _kube_401, "refused the credentials (401)"),
    (
        "403",
        "registration",
        "gitlab.verify",
        _glrt_403,
        "refused the runner token (403)",
    ),
    (
        "namespace",
        "cluster",
        "cluster.namespace",
        _no_namespace,
        "namespace jobs does not exist",
    ),
    (
        "permission",
        "cluster",
        "cluster.permissions",
        _no_permission,
        "missing in namespace ci: pods/attach: create",
    ),
    (
        "key-not-found",
        "cache",
        "oss.access_key",
        _unknown_key,
        "InvalidAccessKeyId.NotFound",
    ),
    (
        "bad-secret",
        "cache",
        "oss.access_key",
        _bad_secret,
        "secret does not match the AccessKey ID",
    ),
    ("bad-secret-oss", "cache", "oss.bucket", _bad_secret, "SignatureDoesNotMatch"),
    (
        "no-bucket",
        "cache",
        "oss.bucket",
        _no_bucket,
        "bucket missing-bucket: the bucket does not exist",
    ),
    (
        "access-denied",
        "cache",
        "oss.bucket",
        _denied,
        "AccessDenied: this AccessKey may not use the bucket",
    ),
    ("ram-denied", "spot", "pricing.eci", _ram_denied, "Forbidden.RAM"),
    (
        "no-nat",
        "networking",
        "network.nat",
        _no_nat,
        "no NAT gateway, so pods get no internet",
    ),
]


@pytest.mark.parametrize(
    ("case", "step", "name", "setup", "expected"), CASES, ids=[c[0] for c in CASES]
)
def test_error_reaches_its_step(world, case, step, name, setup, expected):
    a = world.answers()
    setup(world, a)
    by_name = {c.name: c for c in checks_for(step, a)}
    result = by_name[name].run(a, FAST)
    assert result.status == ERROR
    assert expected in result.message
    assert "\n" not in result.message  # one line


def test_timeout(world, pki):
    with HangServer() as hang:
        a = world.answers()
        a.cluster.kubeconfig = Secret(token_kubeconfig(pki, hang))
        result = {c.name: c for c in checks_for("cluster", a)}["cluster.version"].run(
            a, FAST
        )
    assert result.status == ERROR
    assert "did not answer" in result.message or "no answer within" in result.message


def test_410_at_write_time(world, tmp_path):
    world.gitlab.app.registration_disabled = True
    a = world.answers()
    a.registration.token = Secret("GR1348941registration")
    a.target.config = str(tmp_path / "config.toml")
    with pytest.raises(CheckFailed) as failed:
        obtain_runner_token(a, FAST)
    assert "registration tokens disabled (410)" in failed.value.message
    assert "glrt-" in failed.value.message


def test_403_at_write_time(world, tmp_path):
    a = world.answers()
    a.registration.token = Secret("GR1348941notright")
    with pytest.raises(CheckFailed, match=r"refused the registration token \(403\)"):
        obtain_runner_token(a, FAST)
