"""Billed pod sizes on ECI and ACS, and quantity parsing."""

from __future__ import annotations

from decimal import Decimal

import pytest

from wizard.model import Answers
from wizard.sizing import (
    QuantityError,
    acs_round,
    billed_size,
    eci_round,
    memory_gib,
    parse_quantity,
)


def writeup(kind: str = "ask", strategy: str = "on-demand") -> Answers:
    a = Answers()
    a.cluster.kind = kind
    a.spot.strategy = strategy
    r = a.resources
    r.cpu_request, r.memory_request = "2", "6Gi"
    r.service_cpu_request, r.service_memory_request = "1", "1Gi"
    r.helper_cpu_request, r.helper_memory_request = "250m", "512Mi"
    return a


def test_writeup_is_4_by_8_on_eci_and_3_5_by_8_on_acs():
    eci = billed_size(writeup("ask"))
    assert (eci.cpu, eci.memory) == (Decimal(4), Decimal(8))
    assert (eci.summed_cpu, eci.summed_memory) == (Decimal("3.25"), Decimal("7.5"))
    assert str(eci) == "4 vCPU / 8 GiB"
    acs = billed_size(writeup("acs"))
    assert (acs.cpu, acs.memory) == (Decimal("3.5"), Decimal(8))
    assert str(acs) == "3.5 vCPU / 8 GiB"
    assert billed_size(writeup("ack-eci")).platform == "eci"
    assert billed_size(writeup("ack-acs")).platform == "acs"


def test_limits_win_over_requests_and_nothing_set_is_2_by_4():
    a = writeup()
    a.resources.cpu_limit, a.resources.memory_limit = "6", "12Gi"
    size = billed_size(a)
    assert size.basis == "limits"
    # 6 + 1 + 0.25 vCPU, 12 + 1 + 0.5 GiB -> the next size holding both.
    assert (size.cpu, size.memory) == (Decimal(8), Decimal(16))
    empty = billed_size(Answers())
    assert (empty.cpu, empty.memory, empty.basis) == (Decimal(2), Decimal(4), "default")


def test_regional_sizes_are_never_offered_for_spot():
    a = writeup()
    a.resources.memory_request = "10Gi"  # 3.25 vCPU / 11.5 GiB
    a.cluster.region = "cn-hangzhou"
    on_demand = billed_size(a)
    assert (on_demand.cpu, on_demand.memory) == (Decimal(4), Decimal(12))
    assert on_demand.warnings == ()
    a.spot.strategy = "market"
    spot = billed_size(a)
    assert (spot.cpu, spot.memory) == (Decimal(4), Decimal(16))
    assert "spot does not offer 4-12Gi" in spot.warnings[0]
    a.cluster.region = "eu-central-1"  # no regional sizes there at all
    a.spot.strategy = "on-demand"
    assert billed_size(a).memory == Decimal(16)


def test_explicit_specs():
    a = writeup()
    a.resources.specs = "2-4Gi,ecs.c6.xlarge"
    size = billed_size(a)
    assert (size.cpu, size.memory, size.basis) == (Decimal(2), Decimal(4), "specs")
    a.resources.specs = "ecs.c6.xlarge"
    assert str(billed_size(a)) == "instance type ecs.c6.xlarge"
    a.resources.specs = "2-6Gi"
    a.spot.strategy = "market"
    assert "spot does not offer 2-6Gi" in billed_size(a).warnings[0]


def test_eci_and_acs_rounding_tables():
    assert eci_round(Decimal("0.1"), Decimal("0.1")) == (
        Decimal("0.25"),
        Decimal("0.5"),
    )
    assert eci_round(Decimal(65), Decimal(1)) is None
    assert eci_round(Decimal(1), Decimal(600)) is None
    assert acs_round(Decimal("0.3"), Decimal("0.2")) == (Decimal("0.5"), Decimal(1))
    assert acs_round(Decimal(1), Decimal(16)) == (Decimal(2), Decimal(16))  # at most 8x
    assert acs_round(Decimal(17), Decimal(20)) == (Decimal(24), Decimal(24))
    assert acs_round(Decimal(65), Decimal(70)) is None


def test_a_size_too_big_for_the_platform_is_a_warning():
    a = writeup()
    a.resources.cpu_request = "100"
    size = billed_size(a)
    assert "no ECI size holds" in size.warnings[0]


def test_other_clusters_show_the_plain_sum():
    size = billed_size(writeup("other"))
    assert size.platform == "" and (size.cpu, size.memory) == (
        Decimal("3.25"),
        Decimal("7.5"),
    )


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("250m", Decimal("0.25")),
        ("2", Decimal(2)),
        ("1e3", Decimal(1000)),
        (".5", Decimal("0.5")),
    ],
)
def test_parse_quantity(text, value):
    assert parse_quantity(text) == value


def test_memory_units():
    assert memory_gib("512Mi") == Decimal("0.5")
    assert memory_gib("1G") == Decimal(10**9) / Decimal(2**30)


@pytest.mark.parametrize("text", ["6GB", "", "Gi", "2 Gi", "1.2.3", "0x10", "６Gi"])
def test_not_quantities(text):
    with pytest.raises(QuantityError):
        parse_quantity(text)
