"""Step 2: how the runner authenticates to GitLab."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widget import Widget
from textual.widgets import Static

from screens import fields as F
from screens.base import StepScreen
from screens.widgets import set_text
from wizard.model import Answers
from wizard.secret import reveal

HELP = (
    "Paste the GitLab URL and a token. A runner authentication token (glrt-...) "
    "comes from a runner created in GitLab (Admin > CI/CD > Runners > New, or the "
    "API); its description, tags and lock live in GitLab. A legacy registration "
    "token (the write-up's flow, disabled by default since GitLab 17.0) is "
    "exchanged for a runner token when the files are written, and then needs a "
    "description, tags, run-untagged and locked."
)


def legacy_flow(answers: Answers) -> bool:
    """True unless the token is a glrt- one: a legacy token, or a runner registered before."""
    from wizard.validate import token_kind

    # With no token, the entry may hold a runner token from an earlier legacy
    # registration (the write-up's case), whose settings are still asked here.
    return token_kind(reveal(answers.registration.token)) != "runner"


FIELDS = (
    F.FieldSpec(
        "registration.url",
        "GitLab URL",
        "The address of your GitLab, as users open it, e.g. https://gitlab.example.com.",
        placeholder="https://gitlab.example.com",
    ),
    F.FieldSpec(
        "registration.token",
        "Token",
        "A glrt- runner authentication token, or a legacy registration token.",
        kind=F.SECRET,
    ),
    F.FieldSpec(
        "registration.name",
        "Runner name",
        "The name of the [[runners]] entry in config.toml; it is local to this host.",
    ),
    F.FieldSpec(
        "registration.description",
        "Description",
        "Shown in GitLab's runner list (legacy registration only).",
        show_if=legacy_flow,
    ),
    F.FieldSpec(
        "registration.tags",
        "Tags",
        "Comma-separated, matched against tags: in .gitlab-ci.yml, e.g. docker, k8s.",
        kind=F.LIST,
        show_if=legacy_flow,
    ),
    F.FieldSpec(
        "registration.run_untagged",
        "Run untagged jobs",
        "Also pick up jobs that have no tags.",
        kind=F.BOOL,
        show_if=legacy_flow,
    ),
    F.FieldSpec(
        "registration.locked",
        "Locked to this project",
        "A locked runner cannot be enabled for other projects.",
        kind=F.BOOL,
        show_if=legacy_flow,
    ),
    F.FieldSpec(
        "registration.runner_token",
        "Runner token already issued (optional)",
        "If this runner was registered before, its token; otherwise it is obtained on write.",
        kind=F.SECRET,
        show_if=legacy_flow,
    ),
    F.FieldSpec(
        "registration.tls_ca_file",
        "CA file for a self-signed GitLab (optional)",
        "A PEM file path; it is also written as the runner's tls-ca-file.",
    ),
)


class RegistrationScreen(StepScreen):
    """GitLab URL and token; the legacy questions only for a legacy token."""

    STEP = "registration"
    HELP = HELP
    FIELDS = FIELDS

    def extra(self) -> Iterable[Widget]:
        yield Static("", id="token-kind", classes="preview", markup=False)

    def refresh_extra(self) -> None:
        from wizard.validate import token_kind

        kind = token_kind(reveal(self.wizard.answers.registration.token))
        text = {
            "runner": "Token kind: runner authentication token (glrt-). It is verified, "
            "not registered; Ctrl+R verifies it once when you are ready.",
            "registration": "Token kind: legacy registration token. It is exchanged for a "
            "runner token when the files are written.",
        }.get(
            kind,
            "Token kind: none yet. Paste a glrt- token, a registration token, "
            "or below the runner token an earlier registration returned.",
        )
        set_text(self.query_one("#token-kind", Static), text)
