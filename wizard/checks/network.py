"""Networking: does a NAT gateway's SNAT entry give the pods' vSwitches internet?"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING

from wizard.checks import aliyun
from wizard.checks.common import error, ok, warning
from wizard.checks.errors import for_code

if TYPE_CHECKING:
    from wizard.checks import CheckResult, Timeouts
    from wizard.model import Answers

# Client libraries the checks import lazily (preloaded one at a time).
SDKS = (
    "aliyunsdkcore.client",
    "aliyunsdkcore.request",
    "aliyunsdkcore.acs_exception.exceptions",
)


FIXES = (
    "add a NAT gateway with an SNAT entry for the pods' vSwitches (a standing "
    "hourly fee plus traffic, one fixed egress IP that is easy to allow-list), "
    "or choose a per-pod EIP (no standing fee, but a slower start, EIP quota and "
    "a changing public IP), or pull every image from ACR inside the VPC"
)


def _items(data: dict, outer: str, inner: str) -> list[dict]:
    return [i for i in (data.get(outer) or {}).get(inner) or [] if isinstance(i, dict)]


def _vswitch_cidr(answers, timeouts, vswitch: str) -> str:
    data = aliyun.call(
        answers,
        timeouts,
        "vpc",
        "DescribeVSwitches",
        {"RegionId": aliyun.region_of(answers), "VSwitchId": vswitch},
    )
    found = _items(data, "VSwitches", "VSwitch")
    return str(found[0].get("CidrBlock", "")) if found else ""


def _covers(entry: dict, vswitch: str, cidr: str) -> bool:
    if entry.get("SourceVSwitchId") == vswitch:
        return True
    source = entry.get("SourceCIDR")
    if source and cidr:
        try:
            return ipaddress.ip_network(cidr).subnet_of(ipaddress.ip_network(source))
        except (ValueError, TypeError):
            return False
    return False


def check_egress(answers: Answers, timeouts: Timeouts) -> CheckResult:
    """An Available SNAT entry must cover each of the pods' vSwitches."""
    vpc = answers.cluster.vpc_id
    vswitches = list(answers.cluster.vswitch_ids)
    region = aliyun.region_of(answers)
    data = aliyun.call(
        answers,
        timeouts,
        "vpc",
        "DescribeNatGateways",
        {"RegionId": region, "VpcId": vpc, "NetworkType": "internet"},
    )
    gateways = _items(data, "NatGateways", "NatGateway")
    if not gateways:
        return error(f"{for_code('NoNatGateway')} (VPC {vpc}); {FIXES}")

    entries: list[dict] = []
    for gw in gateways:
        table = aliyun.call(
            answers,
            timeouts,
            "vpc",
            "DescribeSnatTableEntries",
            {"RegionId": region, "NatGatewayId": str(gw.get("NatGatewayId", ""))},
        )
        entries += _items(table, "SnatTableEntries", "SnatTableEntry")
    live = [e for e in entries if e.get("Status") == "Available"]
    needs_cidr = any(e.get("SourceCIDR") for e in live)

    uncovered = []
    for vsw in vswitches:
        cidr = _vswitch_cidr(answers, timeouts, vsw) if needs_cidr else ""
        if not any(_covers(e, vsw, cidr) for e in live):
            uncovered.append(vsw)
    if not vswitches:
        return warning(
            f"NAT gateway {gateways[0].get('NatGatewayId')} found, but no vSwitches are "
            "known; give the pods' vSwitches (cluster step) to check its SNAT entries"
        )
    if uncovered:
        return error(
            f"no Available SNAT entry covers {', '.join(uncovered)} in VPC {vpc}; "
            f"pods there get no internet: {FIXES}"
        )
    return ok(f"SNAT gives internet to {', '.join(vswitches)}")


def applies(answers: Answers) -> bool:
    return (
        answers.networking.egress == "nat"
        and answers.cluster.kind != "other"
        and bool(answers.cluster.vpc_id)
        and aliyun.has_access_key(answers)
    )
