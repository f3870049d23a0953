"""OSS, STS, ECI price and VPC NAT checks against local Alibaba Cloud endpoints."""

from __future__ import annotations

import pytest
from servers.answers import FAST, answers_for

from wizard.checks import ERROR, NOT_CHECKED, OK, WARNING, checks_for
from wizard.secret import Secret

pytest_plugins = ["servers.fixtures"]
pytestmark = pytest.mark.usefixtures("loopback_only")


def run(step, a, name):
    (check,) = [c for c in checks_for(step, a) if c.name == name]
    return check.run(a, FAST)


def test_access_key_valid_through_sts(aliyun):
    a = answers_for(aliyun=aliyun)
    result = run("cache", a, "oss.access_key")
    assert result.status == OK and "1234567890123456" in result.message
    assert aliyun.app.actions == ["GetCallerIdentity"]


@pytest.mark.parametrize(
    ("key_id", "secret", "expected"),
    [
        (
            "LTAIunknown",
            "testsecret",
            "InvalidAccessKeyId.NotFound: the AccessKey ID does not exist",
        ),
        ("LTAItestkey", "wrong", "does not match the AccessKey ID"),
    ],
)
def test_access_key_errors(aliyun, key_id, secret, expected):
    a = answers_for(aliyun=aliyun)
    a.cache.access_key_id, a.cache.access_key_secret = Secret(key_id), Secret(secret)
    result = run("cache", a, "oss.access_key")
    assert result.status == ERROR and expected in result.message
    assert secret not in result.message


def test_sdk_logs_never_carry_the_key(aliyun, oss, caplog):
    """The SDKs log failed requests with the signed string; those logs are muted."""
    caplog.set_level("DEBUG")
    a = answers_for(aliyun=aliyun, oss=oss)
    a.cache.access_key_secret = Secret("wrong-secret")
    run("cache", a, "oss.access_key")
    run("cache", a, "oss.bucket")
    assert aliyun.app.requests and oss.app.requests
    assert "LTAItestkey" not in caplog.text
    assert "wrong-secret" not in caplog.text


def test_bucket_found_in_region(oss):
    a = answers_for(oss=oss)
    result = run("cache", a, "oss.bucket")
    assert result.status == OK and "cn-hangzhou" in result.message


def test_bucket_missing(oss):
    a = answers_for(oss=oss)
    a.cache.bucket = "no-such"
    result = run("cache", a, "oss.bucket")
    assert result.status == ERROR and "does not exist" in result.message


def test_bucket_access_denied(oss):
    oss.app.add_bucket("someone-elses", users=("LTAIother",))
    oss.app.keys["LTAIother"] = "x"
    a = answers_for(oss=oss)
    a.cache.bucket = "someone-elses"
    result = run("cache", a, "oss.bucket")
    assert (
        result.status == ERROR
        and "AccessDenied" in result.message
        and "oss:GetBucketInfo" in result.message
    )


def test_bucket_region_mismatch(oss):
    oss.app.add_bucket("ci-cache", location="oss-cn-shanghai")
    result = run("cache", answers_for(oss=oss), "oss.bucket")
    assert result.status == ERROR
    assert "is in cn-shanghai, not cn-hangzhou" in result.message
    assert result.facts["bucket_region"] == "cn-shanghai"


@pytest.mark.parametrize(
    ("key_id", "secret", "code"),
    [
        ("LTAIunknown", "testsecret", "InvalidAccessKeyId"),
        ("LTAItestkey", "bad", "SignatureDoesNotMatch"),
    ],
)
def test_oss_signature_and_key(oss, key_id, secret, code):
    a = answers_for(oss=oss)
    a.cache.access_key_id, a.cache.access_key_secret = Secret(key_id), Secret(secret)
    result = run("cache", a, "oss.bucket")
    assert result.status == ERROR and code in result.message


def _priced(aliyun):
    a = answers_for(aliyun=aliyun)
    a.resources.cpu_request, a.resources.memory_request = "2", "6Gi"
    a.resources.service_cpu_request, a.resources.service_memory_request = "1", "1Gi"
    a.resources.helper_cpu_request, a.resources.helper_memory_request = "250m", "512Mi"
    return a


def test_price_on_demand_and_spot(aliyun):
    a = _priced(aliyun)
    result = run("spot", a, "pricing.eci")
    assert result.status == OK
    assert result.message.startswith("4 vCPU / 8 GiB: on demand 0.978, spot from 0.196")
    assert "as returned by DescribeContainerGroupPrice" in result.message
    assert aliyun.app.actions == ["DescribeContainerGroupPrice"] * 2
    # The resources screen shows the same price check.
    assert [c.name for c in checks_for("resources", a)] == ["pricing.eci"]


def test_price_not_offered_for_acs(aliyun):
    a = _priced(aliyun)
    a.cluster.kind = "acs"
    assert checks_for("spot", a) == []


def test_price_for_instance_type_is_not_checked(aliyun):
    a = _priced(aliyun)
    a.resources.specs = "ecs.c6.xlarge"
    assert run("spot", a, "pricing.eci").status == NOT_CHECKED


def _nat(aliyun, egress="nat"):
    a = answers_for(aliyun=aliyun)
    a.cluster.vpc_id = "vpc-test0001"
    a.cluster.vswitch_ids = ["vsw-a", "vsw-b"]
    a.networking.egress = egress
    return a


def test_no_nat_gateway_names_fixes_and_costs(aliyun):
    result = run("networking", _nat(aliyun), "network.nat")
    assert result.status == ERROR
    assert "no NAT gateway" in result.message
    assert "standing" in result.message and "EIP" in result.message


def test_snat_by_vswitch_and_by_cidr(aliyun):
    aliyun.app.add_nat(
        "vpc-test0001",
        "ngw-1",
        [
            {
                "SnatEntryId": "snat-1",
                "SourceVSwitchId": "vsw-a",
                "Status": "Available",
            },
            {
                "SnatEntryId": "snat-2",
                "SourceCIDR": "10.1.0.0/16",
                "Status": "Available",
            },
        ],
    )
    aliyun.app.vswitch_cidrs = {"vsw-a": "10.0.1.0/24", "vsw-b": "10.1.2.0/24"}
    result = run("networking", _nat(aliyun), "network.nat")
    assert result.status == OK, result.message


def test_snat_pending_entry_does_not_count(aliyun):
    aliyun.app.add_nat(
        "vpc-test0001",
        "ngw-1",
        [
            {
                "SnatEntryId": "snat-1",
                "SourceVSwitchId": "vsw-a",
                "Status": "Available",
            },
            {"SnatEntryId": "snat-2", "SourceVSwitchId": "vsw-b", "Status": "Pending"},
        ],
    )
    result = run("networking", _nat(aliyun), "network.nat")
    assert result.status == ERROR and "covers vsw-b" in result.message


def test_nat_without_vswitches_warns(aliyun):
    aliyun.app.add_nat("vpc-test0001", "ngw-1", [])
    a = _nat(aliyun)
    a.cluster.vswitch_ids = []
    assert run("networking", a, "network.nat").status == WARNING


def test_nat_check_only_for_nat_egress(aliyun):
    assert checks_for("networking", _nat(aliyun, egress="eip")) == []


def test_ram_permission_missing(aliyun):
    aliyun.app.denied.add("DescribeNatGateways")
    result = run("networking", _nat(aliyun), "network.nat")
    assert result.status == ERROR and "Forbidden.RAM" in result.message
