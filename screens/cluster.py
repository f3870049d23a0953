"""Step 3: the Kubernetes cluster the job pods run in."""

from __future__ import annotations

import copy
from collections.abc import Iterable

from textual.widget import Widget
from textual.widgets import Button, Static
from textual.worker import Worker, WorkerState

from screens import fields as F
from screens.base import StepScreen
from screens.widgets import Field, set_text
from wizard.checks import Check, CheckResult, Timeouts
from wizard.model import CLUSTER_KIND_LABELS, CLUSTER_KINDS, Answers

HELP = (
    "Paste the kubeconfig from the cluster's connection information (or give the "
    "path of a kubeconfig file), then pick the context to use. The runner service "
    "runs as root or as gitlab-runner, whose HOME has no kubeconfig: the wizard "
    "writes host, CA and client credentials into config.toml with the files next "
    "to it at mode 0600, or a kubeconfig for that user when it must."
)

FIELDS = (
    F.FieldSpec(
        "cluster.kubeconfig",
        "Kubeconfig (paste it here)",
        "Multi-line; it holds credentials. Tab leaves the editor, Enter adds a line.",
        kind=F.MULTILINE_SECRET,
    ),
    F.FieldSpec(
        "cluster.kubeconfig_path",
        "...or the path of a kubeconfig file",
        "Used when nothing is pasted above.",
        placeholder="~/.kube/config",
    ),
    F.FieldSpec(
        "cluster.context",
        "Context",
        "Listed from the kubeconfig; pick one even when current-context is empty.",
        kind=F.CHOICE,
    ),
    F.FieldSpec(
        "cluster.namespace",
        "Namespace",
        "Where job pods run: a DNS-1123 label such as default or gitlab-ci.",
    ),
    F.FieldSpec(
        "cluster.kind",
        "Cluster kind",
        "Decides which Alibaba placement, spot and size settings are written.",
        kind=F.CHOICE,
        choices=tuple((kind, CLUSTER_KIND_LABELS[kind]) for kind in CLUSTER_KINDS),
    ),
    F.FieldSpec(
        "cluster.region",
        "Region (optional)",
        "e.g. cn-hangzhou; used for the OSS endpoint and ECI's regional sizes.",
    ),
    F.FieldSpec(
        "cluster.vpc_id",
        "VPC id (optional)",
        "Used by the networking check to look for a NAT gateway.",
    ),
    F.FieldSpec(
        "cluster.vswitch_ids",
        "vSwitch ids (optional)",
        "Comma-separated: the vSwitches the pods get their addresses from.",
        kind=F.LIST,
    ),
)


def make_namespace(answers: Answers, timeouts: Timeouts) -> str:
    """Create the job namespace (in a worker); one line saying what happened."""
    from wizard.checks.cluster import create_namespace
    from wizard.checks.common import CheckFailed

    try:
        return create_namespace(answers, timeouts)
    except CheckFailed as exc:
        return f"Not created: {exc.message}"


class ClusterScreen(StepScreen):
    """Kubeconfig, context, namespace and cluster kind."""

    STEP = "cluster"
    HELP = HELP
    FIELDS = FIELDS

    def extra(self) -> Iterable[Widget]:
        yield Static("", id="kubeconfig-summary", classes="preview", markup=False)
        yield Button("", id="create-namespace", compact=True)
        yield Static("", id="namespace-note", markup=False)

    def check_done(self, check: Check, result: CheckResult) -> None:
        missing = bool(result.facts.get("namespace_missing"))
        if check.name.endswith("namespace") or missing:
            button = self.query_one("#create-namespace", Button)
            button.label = f"Create namespace {self.wizard.answers.cluster.namespace}"
            button.display = missing

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.id != "create-namespace":
            return
        event.stop()
        event.button.display = False
        answers, timeouts = copy.deepcopy(self.wizard.answers), self.wizard.timeouts
        set_text(self.query_one("#namespace-note", Static), "Creating the namespace...")
        self.run_worker(
            lambda: make_namespace(answers, timeouts),
            name="create-namespace",
            group="create-namespace",
            thread=True,
        )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.name != "create-namespace":
            return  # a check: StepScreen's own handler, which Textual also calls
        if event.state == WorkerState.SUCCESS:
            set_text(self.query_one("#namespace-note", Static), event.worker.result)
            self.checks_changed("cluster.namespace")

    # The kubeconfig text the context list was last built from, and its choices.
    parsed_text: str | None = None
    offered: tuple[tuple[str, str], ...] | None = None

    def on_mount(self) -> None:
        self.query_one("#create-namespace").display = False
        # Textual calls StepScreen.on_mount after this one (handlers run down
        # the class hierarchy), so the contexts are known before checks start.
        self.offer_contexts()

    def answer_changed(self, path: str) -> None:
        if path in ("cluster.kubeconfig", "cluster.kubeconfig_path"):
            # Parsed when typing pauses, with the step's validation, not per key.
            self.parsed_text = None
        if path == "cluster.context":
            self.namespace_from_context()

    # Each listed context's own namespace (empty when it names none).
    context_namespaces: dict[str, str] | None = None

    def namespace_from_context(self) -> None:
        """Prefill the namespace from the chosen context unless the operator typed one."""
        if "cluster.namespace" in self.wizard.touched:
            return
        answers = self.wizard.answers
        wanted = (self.context_namespaces or {}).get(answers.cluster.context, "")
        if wanted and wanted != answers.cluster.namespace:
            answers.cluster.namespace = wanted
            self.show_value("cluster.namespace")

    def revalidate(self) -> None:
        if self.parsed_text is None:
            self.offer_contexts()
        super().revalidate()

    def offer_contexts(self) -> None:
        """List the kubeconfig's contexts in the Context field (only when they change)."""
        from wizard.kubeconfig import KubeconfigError, parse_kubeconfig
        from wizard.validate import kubeconfig_text

        answers = self.wizard.answers
        text, _ = kubeconfig_text(answers)
        if text == self.parsed_text:
            return
        self.parsed_text = text
        summary = self.query_one("#kubeconfig-summary", Static)
        field = next(f for f in self.fields if f.spec.path == "cluster.context")
        try:
            info = parse_kubeconfig(text) if text.strip() else None
        except KubeconfigError:
            info = None  # the error itself shows under the kubeconfig field
        if info is None:
            set_text(summary, "")
            self.set_context_choices(field, ())
            return
        names = info.context_names
        if answers.cluster.context not in names:
            if info.current_context:
                answers.cluster.context = info.current_context
            elif len(names) == 1:
                answers.cluster.context = names[0]
        choices = tuple(
            (c.name, f"{c.name} ({c.server or 'no server'})") for c in info.contexts
        )
        self.set_context_choices(field, choices)
        self.context_namespaces = {c.name: c.namespace for c in info.contexts}
        self.namespace_from_context()
        current = info.current_context or "(none: pick a context)"
        set_text(
            summary, f"Kubeconfig: {len(names)} context(s); current-context: {current}."
        )

    def set_context_choices(
        self, field: Field, choices: tuple[tuple[str, str], ...]
    ) -> None:
        """Rebuild the Context list only when the contexts differ from those shown."""
        context = self.wizard.answers.cluster.context
        if choices != self.offered:
            self.offered = choices
            field.set_choices(choices, context)
        else:
            field.set_control_value(context)
