"""Spot and resources: ECI's price of the predicted pod size, on demand and spot."""

from __future__ import annotations

from typing import TYPE_CHECKING

from wizard.checks import aliyun
from wizard.checks.common import ok, skipped

if TYPE_CHECKING:
    from wizard.checks import CheckResult, Timeouts
    from wizard.model import Answers

# Client libraries the checks import lazily (preloaded one at a time).
SDKS = (
    "aliyunsdkcore.client",
    "aliyunsdkcore.request",
    "aliyunsdkcore.acs_exception.exceptions",
    "wizard.sizing",
)


def _price(answers, timeouts, cpu: str, mem: str, strategy: str) -> dict:
    return aliyun.call(
        answers,
        timeouts,
        "eci",
        "DescribeContainerGroupPrice",
        {
            "RegionId": aliyun.region_of(answers) or "cn-hangzhou",
            "Cpu": cpu,
            "Memory": mem,
            "SpotStrategy": strategy,
        },
    )


def _fmt(info: dict, path: tuple[str, ...]) -> str:
    node: object = info
    for key in path:
        node = node.get(key, {}) if isinstance(node, dict) else {}
    return str(node) if node not in ({}, None, "") else "?"


def check_price(answers: Answers, timeouts: Timeouts) -> CheckResult:
    """Query DescribeContainerGroupPrice for the billed size, both ways."""
    from wizard.sizing import billed_size

    size = billed_size(answers)
    if size.cpu is None or size.memory is None:
        return skipped(f"the API prices vCPU and memory, not {size.instance_type}")
    cpu, mem = format(size.cpu.normalize(), "f"), format(size.memory.normalize(), "f")
    demand = _price(answers, timeouts, cpu, mem, "NoSpot").get("PriceInfo", {})
    spot = _price(answers, timeouts, cpu, mem, "SpotAsPriceGo").get("PriceInfo", {})
    currency = _fmt(demand, ("Price", "Currency"))
    unit = f"{currency}, " if currency != "?" else ""
    trade = _fmt(demand, ("Price", "TradePrice"))
    spot_prices = (spot.get("SpotPrices") or {}).get("SpotPrice") or []
    lowest = min(
        (
            float(p["SpotPrice"])
            for p in spot_prices
            if isinstance(p, dict) and "SpotPrice" in p
        ),
        default=None,
    )
    spot_text = f"{lowest:g}" if lowest is not None else "not offered"
    # The API does not state the billing period of these figures, so none is claimed.
    return ok(
        f"{size}: on demand {trade}, spot from {spot_text} "
        f"({unit}as returned by DescribeContainerGroupPrice, period not stated by the API)",
        price_on_demand=trade,
        price_spot=lowest,
    )


def applies(answers: Answers) -> bool:
    return answers.cluster.kind in ("ask", "ack-eci") and aliyun.has_access_key(answers)
