"""Kubernetes quantities, and the pod size ECI or ACS will bill for."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from wizard.model import Answers

QUANTITY_RE = re.compile(
    r"^(?P<num>[+-]?(?:\d+(?:\.\d*)?|\.\d+))"
    r"(?P<suffix>Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$",
    re.ASCII,  # Kubernetes takes ASCII digits only, not any Unicode digit
)
_BINARY = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30, "Ti": 2**40, "Pi": 2**50, "Ei": 2**60}
_DECIMAL = {
    "n": Decimal("1e-9"),
    "u": Decimal("1e-6"),
    "m": Decimal("1e-3"),
    "": Decimal(1),
    "k": Decimal("1e3"),
    "M": Decimal("1e6"),
    "G": Decimal("1e9"),
    "T": Decimal("1e12"),
    "P": Decimal("1e15"),
    "E": Decimal("1e18"),
}
GIB = Decimal(2**30)

# ECI: vCPU -> memory (GiB) offered in every region, for on-demand and spot.
ECI_SIZES: dict[str, tuple[int, ...]] = {
    "0.25": (0.5,),
    "0.5": (1, 2),
    "1": (2, 4, 8),
    "2": (1, 2, 4, 8, 16),
    "4": (2, 4, 8, 16, 32),
    "8": (4, 8, 16, 32, 64),
    "12": (12, 24, 48, 96),
    "16": (16, 32, 64, 128),
    "24": (24, 48, 96, 192),
    "32": (32, 64, 128, 256),
    "52": (96, 192, 384),
    "64": (128, 256, 512),
}
# Offered only in these regions, and never for spot.
ECI_EXTRA_REGIONS = frozenset(
    {
        "cn-hangzhou",
        "cn-shanghai",
        "cn-qingdao",
        "cn-beijing",
        "cn-zhangjiakou",
        "cn-huhehaote",
        "cn-wulanchabu",
        "cn-shenzhen",
        "cn-heyuan",
        "cn-guangzhou",
        "cn-chengdu",
        "ap-southeast-1",
    }
)
ECI_EXTRA_SIZES: dict[str, tuple[int, ...]] = {
    "2": (6, 10, 12, 14),
    "4": (6, 10, 12, 14, 18, 20, 22, 24, 26, 28, 30),
    "6": tuple(range(6, 49, 2)),
    "8": tuple(m for m in range(10, 63, 2) if m not in (16, 32)),
}
ACS_LARGE_CPUS = (24, 32, 48, 64)
DEFAULT_SIZE = (
    Decimal(2),
    Decimal(4),
)  # what both platforms give a pod with nothing set


class QuantityError(ValueError):
    """A string that is not a Kubernetes quantity."""


def parse_quantity(text: str) -> Decimal:
    """The plain number a Kubernetes quantity stands for (bytes, or cores)."""
    match = QUANTITY_RE.fullmatch(text)
    if not match:
        raise QuantityError(text)
    number = Decimal(match["num"])
    suffix = match["suffix"] or ""
    if suffix in _BINARY:
        return number * _BINARY[suffix]
    if suffix in _DECIMAL:
        return number * _DECIMAL[suffix]
    return number * Decimal(10) ** int(suffix[1:])


def cpu_cores(text: str) -> Decimal:
    return parse_quantity(text)


def memory_gib(text: str) -> Decimal:
    return parse_quantity(text) / GIB


@dataclass(frozen=True)
class Size:
    """A pod size in vCPU and GiB, and how it was found."""

    cpu: Decimal | None  # None when an ECS instance type names it
    memory: Decimal | None
    platform: str = "eci"  # "eci", "acs" or "" (no Alibaba rounding)
    basis: str = "requests"  # "specs", "limits", "requests" or "default"
    summed_cpu: Decimal | None = None
    summed_memory: Decimal | None = None
    instance_type: str = ""
    warnings: tuple[str, ...] = field(default=())

    def __str__(self) -> str:
        if self.cpu is None or self.memory is None:
            return f"instance type {self.instance_type}"
        return f"{fmt(self.cpu)} vCPU / {fmt(self.memory)} GiB"


def fmt(value: Decimal) -> str:
    text = format(value.normalize(), "f")
    return text


def platform_of(kind: str) -> str:
    """Which rounding rules a cluster kind bills with."""
    return {"ask": "eci", "ack-eci": "eci", "acs": "acs", "ack-acs": "acs"}.get(
        kind, ""
    )


def eci_round(cpu: Decimal, mem: Decimal, *, region: str = "", spot: bool = False):
    """The smallest ECI size with at least this vCPU and memory, or None if too big."""
    table: dict[Decimal, set[Decimal]] = {}
    for c, mems in ECI_SIZES.items():
        table.setdefault(Decimal(c), set()).update(Decimal(str(m)) for m in mems)
    if region in ECI_EXTRA_REGIONS and not spot:
        for c, mems in ECI_EXTRA_SIZES.items():
            table.setdefault(Decimal(c), set()).update(Decimal(m) for m in mems)
    fits = [(c, m) for c, ms in table.items() for m in ms if c >= cpu and m >= mem]
    return min(fits) if fits else None


def eci_offered(
    cpu: Decimal, mem: Decimal, *, region: str = "", spot: bool = False
) -> bool:
    """Whether ECI offers exactly this combination."""
    return eci_round(cpu, mem, region=region, spot=spot) == (cpu, mem)


def acs_round(cpu: Decimal, mem: Decimal):
    """ACS: 0.5-vCPU steps up to 16, memory whole GiB from 1x to 8x the vCPU."""
    cpu = max(cpu, mem / 8, Decimal("0.5"))
    cpu = (cpu * 2).to_integral_value(ROUND_CEILING) / 2
    if cpu > 16:
        larger = [Decimal(c) for c in ACS_LARGE_CPUS if c >= cpu]
        if not larger:
            return None
        cpu = larger[0]
    mem = max(mem, cpu).to_integral_value(ROUND_CEILING)
    if mem > cpu * 8:
        return None
    return cpu, mem


SPECS_ENTRY_RE = re.compile(
    r"^(?P<cpu>\d+(?:\.\d+)?)-(?P<mem>\d+(?:\.\d+)?)Gi$", re.ASCII
)
INSTANCE_TYPE_RE = re.compile(
    r"^ecs\.(?P<family>[a-z]+\d+[a-z]*)\.[a-z0-9]+$", re.ASCII
)
# ECS families whose CPUs are ARM (Yitian 710, Ampere Altra): their pods need
# an arm64 helper image and an arm64 node selector.
ARM_FAMILIES = frozenset({"g8y", "c8y", "r8y", "g8m", "c8m", "r8m", "g6r", "c6r"})


def specs_entries(specs: str) -> list[str]:
    return [e.strip() for e in specs.split(",") if e.strip()]


def is_arm_instance_type(entry: str) -> bool:
    match = INSTANCE_TYPE_RE.fullmatch(entry)
    return bool(match and match["family"] in ARM_FAMILIES)


def _containers(answers: Answers):
    r = answers.resources
    return [
        ("build", r.cpu_request, r.memory_request, r.cpu_limit, r.memory_limit),
        (
            "service",
            r.service_cpu_request,
            r.service_memory_request,
            r.service_cpu_limit,
            r.service_memory_limit,
        ),
        (
            "helper",
            r.helper_cpu_request,
            r.helper_memory_request,
            r.helper_cpu_limit,
            r.helper_memory_limit,
        ),
    ]


def summed_resources(answers: Answers, *, services: int = 1):
    """(vCPU, GiB, basis) summed over the job pod's containers, like ECI does.

    With any limit set ECI sums limits; a container without a limit then counts
    with its request, so the figure never comes out below what the pod asks for.
    The service settings count once per service container (`services`; the
    write-up's job has one), and init containers are left out as ECI does.
    """
    rows = _containers(answers)
    any_limit = any(row[3] or row[4] for row in rows)
    any_request = any(row[1] or row[2] for row in rows)
    if not any_limit and not any_request:
        return None, None, "default"
    cpu = mem = Decimal(0)
    for name, cpu_req, mem_req, cpu_lim, mem_lim in rows:
        count = services if name == "service" else 1
        c = cpu_lim if any_limit and cpu_lim else cpu_req
        m = mem_lim if any_limit and mem_lim else mem_req
        try:
            cpu += cpu_cores(c) * count if c else Decimal(0)
            mem += memory_gib(m) * count if m else Decimal(0)
        except (QuantityError, InvalidOperation):
            continue  # validation reports the bad field; size what is readable
    return cpu, mem, "limits" if any_limit else "requests"


def billed_size(answers: Answers, *, services: int = 1) -> Size:
    """The size the job pod is billed for on this cluster kind."""
    platform = platform_of(answers.cluster.kind)
    spot = answers.spot.strategy in ("market", "cap")
    region = answers.cluster.region or answers.cache.region
    specs = answers.resources.specs.strip()
    warnings: list[str] = []

    if specs and platform:
        first = specs_entries(specs)[0] if specs_entries(specs) else ""
        match = SPECS_ENTRY_RE.fullmatch(first)
        if not match:
            return Size(None, None, platform, "specs", instance_type=first)
        cpu, mem = Decimal(match["cpu"]), Decimal(match["mem"])
        if platform == "eci" and spot and not eci_offered(cpu, mem, spot=True):
            warnings.append(
                f"spot does not offer {first}; pick a size from the main table "
                f"such as {_spec(eci_round(cpu, mem, spot=True))}"
            )
        return Size(cpu, mem, platform, "specs", cpu, mem, warnings=tuple(warnings))

    cpu, mem, basis = summed_resources(answers, services=services)
    if cpu is None or mem is None:
        return Size(*DEFAULT_SIZE, platform, "default", warnings=())
    cpu_sum, mem_sum = cpu, mem
    if platform == "eci":
        rounded = eci_round(cpu, mem, region=region, spot=False)
        if spot:
            spot_size = eci_round(cpu, mem, spot=True)
            if rounded != spot_size and spot_size is not None:
                warnings.append(
                    f"spot does not offer {_spec(rounded)}; as spot the pod is "
                    f"billed as {_spec(spot_size)}"
                )
            rounded = spot_size
    elif platform == "acs":
        rounded = acs_round(cpu, mem)
    else:
        return Size(cpu, mem, "", basis, cpu_sum, mem_sum)
    if rounded is None:
        warnings.append(
            f"no {platform.upper()} size holds {fmt(cpu)} vCPU / {fmt(mem)} GiB; "
            "lower the requests"
        )
        return Size(
            cpu, mem, platform, basis, cpu_sum, mem_sum, warnings=tuple(warnings)
        )
    return Size(*rounded, platform, basis, cpu_sum, mem_sum, warnings=tuple(warnings))


def _spec(size) -> str:
    if size is None:
        return "none"
    cpu, mem = size
    return f"{fmt(cpu)}-{fmt(mem)}Gi"
