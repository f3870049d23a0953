"""An Alibaba Cloud RPC endpoint (STS, ECI, VPC) that checks AccessKey and signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid
from urllib.parse import parse_qsl, quote

from servers.base import App


def percent(text: str) -> str:
    """RFC 3986 encoding, as the RPC signature specification asks."""
    return quote(text, safe="-_.~")


def string_to_sign(method: str, params: dict[str, str]) -> str:
    canonical = "&".join(
        f"{percent(k)}={percent(v)}"
        for k, v in sorted(params.items())
        if k != "Signature"
    )
    return f"{method}&{percent('/')}&{percent(canonical)}"


def sign(method: str, params: dict[str, str], secret: str) -> str:
    digest = hmac.new(
        (secret + "&").encode(), string_to_sign(method, params).encode(), hashlib.sha1
    ).digest()
    return base64.b64encode(digest).decode()


class AliyunApp(App):
    """One endpoint for every product; the Action parameter picks the handler."""

    def __init__(self, keys: dict[str, str] | None = None):
        super().__init__()
        self.keys = dict(keys or {"LTAItestkey": "testsecret"})  # id → secret
        self.inactive: set[str] = set()
        self.denied: set[str] = set()  # actions answered with Forbidden.RAM
        self.nat_gateways: dict[str, list[dict]] = {}  # vpc → gateways
        self.snat_entries: dict[str, list[dict]] = {}  # gateway → entries
        self.vswitch_cidrs: dict[str, str] = {}
        self.prices = {"NoSpot": 0.489, "SpotAsPriceGo": 0.098}
        self.actions: list[str] = []

    def _error(self, http: int, code: str, message: str):
        return (
            http,
            {},
            {"RequestId": str(uuid.uuid4()), "Code": code, "Message": message},
        )

    def route(self, req, method, path, query, body):
        params = dict(query)
        if body and "x-www-form-urlencoded" in req.headers.get("Content-Type", ""):
            params.update(parse_qsl(body.decode(), keep_blank_values=True))
        ak = params.get("AccessKeyId", "")
        if ak not in self.keys:
            return self._error(
                404, "InvalidAccessKeyId.NotFound", "Specified access key is not found."
            )
        if ak in self.inactive:
            return self._error(
                400, "InvalidAccessKeyId.Inactive", "Specified access key is disabled."
            )
        expected = sign(method, params, self.keys[ak])
        if not hmac.compare_digest(expected, params.get("Signature", "")):
            return self._error(
                400,
                "SignatureDoesNotMatch",
                "Specified signature is not matched with our calculation. server string to sign is:"
                + string_to_sign(method, params),
            )
        action = params.get("Action", "")
        self.actions.append(action)
        if action in self.denied:
            return self._error(
                403,
                "Forbidden.RAM",
                "User not authorized to operate on the specified resource.",
            )
        handler = getattr(self, f"do_{action}", None)
        if handler is None:
            return self._error(
                404, "InvalidAction.NotFound", "Specified api is not found."
            )
        return 200, {}, {"RequestId": str(uuid.uuid4()), **handler(params)}

    def do_GetCallerIdentity(self, p):
        return {
            "AccountId": "1234567890123456",
            "UserId": "200000000000000001",
            "Arn": "acs:ram::1234567890123456:user/ci-cache",
            "IdentityType": "RAMUser",
            "PrincipalId": "200000000000000001",
        }

    def do_DescribeContainerGroupPrice(self, p):
        strategy = p.get("SpotStrategy", "NoSpot")
        price = self.prices[strategy] * float(p["Cpu"]) / 2
        info: dict = {
            "Price": {
                "OriginalPrice": price,
                "TradePrice": price,
                "DiscountPrice": 0,
                "Currency": "CNY",
            }
        }
        if strategy != "NoSpot":
            info["SpotPrices"] = {
                "SpotPrice": [
                    {
                        "ZoneId": "cn-hangzhou-i",
                        "SpotPrice": round(price, 4),
                        "OriginPrice": price,
                    }
                ]
            }
        return {"PriceInfo": info}

    def do_DescribeNatGateways(self, p):
        gws = self.nat_gateways.get(p.get("VpcId", ""), [])
        return {"TotalCount": len(gws), "NatGateways": {"NatGateway": gws}}

    def do_DescribeSnatTableEntries(self, p):
        entries = self.snat_entries.get(p.get("NatGatewayId", ""), [])
        return {
            "TotalCount": len(entries),
            "SnatTableEntries": {"SnatTableEntry": entries},
        }

    def do_DescribeVSwitches(self, p):
        vsw = p.get("VSwitchId", "")
        found = (
            [{"VSwitchId": vsw, "CidrBlock": self.vswitch_cidrs[vsw]}]
            if vsw in self.vswitch_cidrs
            else []
        )
        return {"TotalCount": len(found), "VSwitches": {"VSwitch": found}}

    def add_nat(self, vpc: str, gateway: str, entries: list[dict]):
        self.nat_gateways.setdefault(vpc, []).append(
            {
                "NatGatewayId": gateway,
                "VpcId": vpc,
                "Status": "Available",
                "NetworkType": "internet",
            }
        )
        self.snat_entries[gateway] = entries
