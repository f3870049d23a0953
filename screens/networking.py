"""Step 8: how services are reached and how pods reach the internet."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widget import Widget
from textual.widgets import Static

from screens import fields as F
from screens.base import StepScreen
from screens.preview import pod_settings_text
from screens.widgets import set_text

HELP = (
    "In a Kubernetes pod every service container shares the job's network, so "
    "services listen on 127.0.0.1. CI_SERVICE_HOST=127.0.0.1 lets one "
    ".gitlab-ci.yml work on both the docker and the Kubernetes executor "
    "(DB_HOST=${CI_SERVICE_HOST:-db}). Pods have only a private address: "
    "downloads need a NAT gateway or a per-pod EIP."
)

EGRESS = (
    ("nat", "NAT gateway with SNAT for the pods' vSwitches"),
    ("eip", "EIP per pod: ECI only, each pod pays for it"),
    ("none", "No internet: helper image from inside the VPC"),
)

NEEDS = {
    "nat": "A NAT gateway in the cluster's VPC with an SNAT entry covering the pods' "
    "vSwitches. One shared egress IP, easy to allow-list; the gateway has a "
    "standing fee.",
    "eip": "Writes k8s.aliyun.com/eci-with-eip and k8s.aliyun.com/eip-bandwidth. No "
    "standing fee, but each pod pays for its EIP and traffic, starts a little "
    "slower, uses EIP quota and gets a changing public address. Not on ACS.",
    "none": "Jobs cannot download anything from the internet. The helper image must "
    "come from a registry inside the VPC (set it on the Image pulls step).",
}

FIELDS = (
    F.FieldSpec(
        "networking.service_host_env",
        "Set CI_SERVICE_HOST=127.0.0.1",
        "Added to the runner's environment beside the entries already there. "
        "Runners since 12.8 also resolve service aliases to 127.0.0.1.",
        kind=F.BOOL,
    ),
    F.FieldSpec(
        "networking.egress",
        "Internet access for pods",
        "How job pods download dependencies.",
        kind=F.RADIO,
        choices=EGRESS,
    ),
    F.FieldSpec(
        "networking.eip_bandwidth",
        "EIP bandwidth (Mbit/s)",
        "Peak bandwidth of each pod's EIP; 5 by default.",
        kind=F.INT,
        show_if=lambda a: a.networking.egress == "eip",
    ),
    F.FieldSpec(
        "networking.ci_example",
        "Write a .gitlab-ci.yml example",
        "A job with a postgres service that runs on both executors.",
        kind=F.BOOL,
    ),
    F.FieldSpec(
        "endpoints.vpc",
        "Advanced: VPC API endpoint for the NAT check",
        "Empty uses vpc.<region>.aliyuncs.com.",
    ),
)


class NetworkingScreen(StepScreen):
    """CI_SERVICE_HOST, the CI example, and pod egress."""

    STEP = "networking"
    HELP = HELP
    FIELDS = FIELDS

    def extra(self) -> Iterable[Widget]:
        yield Static("", id="egress-needs", classes="preview", markup=False)
        yield Static("", id="egress-preview", classes="preview", markup=False)

    def refresh_extra(self) -> None:
        egress = self.wizard.answers.networking.egress
        set_text(
            self.query_one("#egress-needs", Static),
            f"What this needs: {NEEDS.get(egress, '')}",
        )
        set_text(
            self.query_one("#egress-preview", Static),
            pod_settings_text(self.wizard.answers, "networking"),
        )
