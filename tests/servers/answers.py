"""Answers and kubeconfigs that point every endpoint at the local servers."""

from __future__ import annotations

from servers.base import LocalPKI, LocalServer
from servers.kube import kubeconfig
from wizard.checks import Timeouts
from wizard.model import Answers
from wizard.secret import Secret

FAST = Timeouts(connect=0.5, total=1.5)
AK_ID, AK_SECRET = "LTAItestkey", "testsecret"
ADMIN_TOKEN = "kube-bearer-admin"


def cert_kubeconfig(
    pki: LocalPKI, server: LocalServer, cn: str = "runner-admin"
) -> str:
    cert = pki.ca.issue_cert(f"{cn}@example.org", common_name=cn)
    return kubeconfig(
        server.url,
        pki.ca_pem(),
        cert_pem=cert.cert_chain_pems[0].bytes(),
        key_pem=cert.private_key_pem.bytes(),
    )


def token_kubeconfig(
    pki: LocalPKI, server: LocalServer, token: str = ADMIN_TOKEN
) -> str:
    return kubeconfig(server.url, pki.ca_pem(), token=token)


def answers_for(
    *, gitlab=None, kube_config: str = "", aliyun=None, oss=None
) -> Answers:
    """Answers whose every endpoint is a local server (or 127.0.0.1 when unused)."""
    a = Answers()
    a.registration.url = gitlab.url if gitlab else "http://127.0.0.1:9"
    a.cluster.kubeconfig = Secret(kube_config) if kube_config else None
    a.cluster.namespace = "ci"
    a.cluster.kind = "ask"
    a.cluster.region = "cn-hangzhou"
    a.cache.bucket = "ci-cache"
    a.cache.region = "cn-hangzhou"
    a.cache.access_key_id = Secret(AK_ID)
    a.cache.access_key_secret = Secret(AK_SECRET)
    # Every Alibaba endpoint on loopback, even the ones a test does not use.
    rpc = aliyun.url if aliyun else "http://127.0.0.1:9"
    a.endpoints.sts = rpc
    a.endpoints.eci = rpc
    a.endpoints.vpc = rpc
    a.endpoints.oss = oss.url if oss else "http://127.0.0.1:9"
    return a
