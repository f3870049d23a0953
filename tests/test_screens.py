"""Pilot tests of each step screen at 80x24, driven by the keyboard."""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
from sharedpath import SHARED
from textual.widgets import Input, Static

from screens.app import create_app
from screens.base import DEBOUNCE, StepScreen
from screens.marks import ascii_only
from screens.testing import choose, focus, paste_into, toggle_to, type_into
from screens.widgets import CheckPanel, Field
from wizard.model import STEPS, Answers
from wizard.options import Options
from wizard.secret import Secret

CASES = SHARED / "cases"
SIZE = (80, 24)
# One run of text in Textual's SVG screenshot: its x, its screen line, its text.
CELL_WIDTH = 12.2  # the SVG's width of one terminal cell
TEXT_RUN = re.compile(
    r'<text[^>]*? x="([\d.]+)"[^>]*?-line-(\d+)\)"[^>]*>([^<]*)</text>'
)


def app_at(step: str, answers: Answers | None = None, **options):
    """The app opened at `step` as by --screen, offline so no test reaches a network."""
    options.setdefault("offline", True)
    return create_app(answers or Answers(), Options(screen=step, **options))


def field(app, path: str) -> Field:
    return next(f for f in app.screen.query(Field) if f.spec.path == path)


def problem_text(app, path: str) -> str:
    return field(app, path).problem_text


def screen_text(app) -> str:
    """Everything drawn, as plain text lines rebuilt from the screenshot's text runs."""
    svg = app.export_screenshot()
    lines: dict[int, list[tuple[float, str]]] = {}
    for match in TEXT_RUN.finditer(svg):
        x, line, text = float(match[1]), int(match[2]), match[3]
        lines.setdefault(line, []).append((x, html.unescape(text).replace("\xa0", " ")))
    rows = []
    for n in sorted(lines):
        row = ""
        for x, text in sorted(lines[n]):
            row = row.ljust(round(x / CELL_WIDTH)) + text
        rows.append(row)
    return "\n".join(rows)


async def test_registration_error_shows_under_the_field_and_dims_next():
    """A URL without a scheme is named under the URL field; Next stays off."""
    app = app_at("registration")
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "f-registration-url", "gitlab.example.com")
        assert "error" in problem_text(app, "registration.url")
        assert "https://" in problem_text(app, "registration.url")
        assert app.screen.check_action("next", ()) is None

        await pilot.press("ctrl+n")
        assert app.screen.STEP == "registration"


async def test_next_enables_once_the_step_is_valid():
    """Fixing every error turns Next on, and Ctrl+N then moves on."""
    answers = Answers()
    answers.target.mode = "edit"
    answers.target.runner = "gitlab-k8s"
    app = app_at("registration", answers)
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "f-registration-url", "https://gitlab.example.com")
        await type_into(pilot, "f-registration-token", "glrt-abcdefghijklmnopqrstuv")
        assert problem_text(app, "registration.url") == ""
        assert app.screen.check_action("next", ()) is True
        await pilot.press("ctrl+n")
        assert app.screen.STEP == "cluster"
        assert app.answers.registration.url == "https://gitlab.example.com"


async def test_step_list_jumps_by_keyboard():
    """Ctrl+G focuses the step list; arrows and Enter open another step."""
    app = app_at("target")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+g")
        assert app.focused.id == "steps"
        await pilot.press("down", "down", "down", "enter")
        await pilot.pause()
        assert app.screen.STEP == "cache"
        await pilot.press("ctrl+g", "end", "enter")
        await pilot.pause()
        assert app.screen.STEP == "review"


async def test_step_states_are_words_and_marks():
    """Visited steps show their state as a mark; the heading says it in words."""
    app = app_at("cache")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.states["cache"] == "error"
        summary = str(app.screen.query_one("#summary", Static).content)
        assert "error" in summary and "Next is off" in summary
        await pilot.press("ctrl+g", "up", "up", "enter")
        await pilot.pause()
        assert app.screen.STEP == "registration"
        prompt = str(app.screen.query_one("#steps").prompt_of("cache"))
        assert "OSS cache" in prompt and ("✗" in prompt or "x" in prompt)


@pytest.mark.parametrize("step", STEPS)
async def test_escape_never_discards_input(step):
    """Escape, alone or as a split arrow key's first byte, keeps screen and answers."""
    app = app_at(step)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        inputs = [
            f
            for f in app.screen.query(Field)
            if f.display and isinstance(f.control, Input) and not f.control.password
        ]
        typed = None
        if inputs:
            target = inputs[0]
            await type_into(pilot, target.spec.widget_id, "keep-me")
            typed = target.control.value
        await pilot.press("escape")
        await pilot.press("escape", "left_square_bracket", "A")
        assert step == app.screen.STEP
        if inputs:
            assert target.control.value.startswith(typed)


async def test_escape_keeps_a_pasted_kubeconfig():
    """The multi-line editor keeps its text through Escape."""
    text = (CASES / "10-empty-current-context.kubeconfig.yaml").read_text()
    app = app_at("cluster")
    async with app.run_test(size=SIZE) as pilot:
        await paste_into(pilot, "f-cluster-kubeconfig", text)
        await pilot.press("escape", "escape")
        assert app.screen.STEP == "cluster"
        assert app.answers.cluster.kubeconfig.reveal() == text


async def test_legacy_questions_only_for_a_registration_token():
    """Description, tags, run-untagged and locked are hidden for a glrt- token."""
    app = app_at("registration")
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "f-registration-token", "glrt-abcdefghijklmnopqrstuv")
        assert not field(app, "registration.tags").display
        assert not field(app, "registration.runner_token").display
        await type_into(pilot, "f-registration-token", "GR1348941abcdefghijklmnop")
        assert field(app, "registration.tags").display
        kind = str(app.screen.query_one("#token-kind", Static).content)
        assert "legacy registration token" in kind
        await type_into(pilot, "f-registration-token", "glrt-abcdefghijklmnopqrstuv")
        assert not field(app, "registration.tags").display
        assert "glrt-" in str(app.screen.query_one("#token-kind", Static).content)


async def test_secrets_are_never_drawn_in_clear():
    """A typed token and AccessKey secret never appear on screen."""
    app = app_at("registration")
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "f-registration-token", "glrt-SECRETcanary0000000")
        assert app.answers.registration.token.reveal() == "glrt-SECRETcanary0000000"
        assert "SECRETcanary" not in screen_text(app)
    app = app_at("cache")
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "f-cache-access-key-secret", "SECRETcanaryAK")
        assert "SECRETcanaryAK" not in screen_text(app)
        assert isinstance(app.answers.cache.access_key_secret, Secret)


async def test_context_list_from_a_kubeconfig_without_current_context():
    """Case 10: contexts are listed and picked although current-context is empty."""
    text = (CASES / "10-empty-current-context.kubeconfig.yaml").read_text()
    app = app_at("cluster")
    async with app.run_test(size=SIZE) as pilot:
        await paste_into(pilot, "f-cluster-kubeconfig", text)
        assert "pick one of: prod, staging" in problem_text(app, "cluster.context")
        await choose(pilot, "f-cluster-context", "staging")
        assert app.answers.cluster.context == "staging"
        assert problem_text(app, "cluster.context") == ""


async def test_kubeconfig_path_lists_contexts(tmp_path):
    """A kubeconfig given by path fills the context list like a pasted one."""
    path = tmp_path / "kubeconfig"
    path.write_text((CASES / "10-missing-current-context.kubeconfig.yaml").read_text())
    app = app_at("cluster")
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "f-cluster-kubeconfig-path", str(path))
        assert app.answers.cluster.context == "dev"
        assert problem_text(app, "cluster.context") == ""


async def test_broken_kubeconfig_names_both_lines():
    """Case 14: the YAML error names the user's own lines under the field."""
    text = (CASES / "14-list-item-after-key.kubeconfig.yaml").read_text()
    app = app_at("cluster")
    async with app.run_test(size=SIZE) as pilot:
        await paste_into(pilot, "f-cluster-kubeconfig", text)
        message = problem_text(app, "cluster.kubeconfig")
        assert "line" in message
        assert app.answers.cluster.kubeconfig.reveal() == text


async def test_cluster_kind_select_by_keyboard():
    """The cluster kind is a Select of the five kinds."""
    app = app_at("cluster")
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "f-cluster-kind", "ack-acs")
        assert app.answers.cluster.kind == "ack-acs"
        await choose(pilot, "f-cluster-kind", "other")
        assert app.answers.cluster.kind == "other"


async def test_spot_in_words_shows_the_annotation_text():
    """Cap the price: the price field appears and the exact annotations are shown."""
    app = app_at("spot")
    async with app.run_test(size=SIZE) as pilot:
        assert not field(app, "spot.price_limit").display
        await choose(pilot, "f-spot-strategy", "cap")
        assert app.answers.spot.strategy == "cap"
        await type_into(pilot, "f-spot-price-limit", "0.1234")
        assert "3 decimals" in problem_text(app, "spot.price_limit")
        assert app.screen.check_action("next", ()) is None
        await type_into(pilot, "f-spot-price-limit", "0.125")
        preview = str(app.screen.query_one("#spot-preview", Static).content)
        assert '"k8s.aliyun.com/eci-spot-strategy" = "SpotWithPriceLimit"' in preview
        assert '"k8s.aliyun.com/eci-spot-price-limit" = "0.125"' in preview


async def test_spot_on_acs_shows_the_best_effort_label():
    """On ACS, following the market writes the best-effort QoS label."""
    answers = Answers()
    answers.cluster.kind = "acs"
    app = app_at("spot", answers)
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "f-spot-strategy", "market")
        preview = str(app.screen.query_one("#spot-preview", Static).content)
        assert '"alibabacloud.com/compute-qos" = "best-effort"' in preview


@pytest.mark.parametrize(
    ("kind", "billed"), [("ask", "4 vCPU / 8 GiB"), ("acs", "3.5 vCPU / 8 GiB")]
)
async def test_resources_show_the_billed_size(kind, billed):
    """The write-up's requests give 4/8 on ECI and 3.5/8 on ACS."""
    answers = Answers()
    answers.cluster.kind = kind
    app = app_at("resources", answers)
    async with app.run_test(size=SIZE) as pilot:
        for path, value in (
            ("cpu-request", "2"),
            ("memory-request", "6Gi"),
            ("service-cpu-request", "1"),
            ("service-memory-request", "1Gi"),
            ("helper-cpu-request", "250m"),
            ("helper-memory-request", "512Mi"),
        ):
            await type_into(pilot, f"f-resources-{path}", value)
        text = str(app.screen.query_one("#billed-size", Static).content)
        assert billed in text


async def test_bad_quantity_error_under_its_field():
    """6GB is refused next to the memory field, with the fix."""
    app = app_at("resources")
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "f-resources-memory-request", "6GB")
        assert "6Gi" in problem_text(app, "resources.memory_request")
        assert app.screen.check_action("next", ()) is None


async def test_bucket_and_mirror_errors():
    """A bad bucket name and a mirror without scheme are named on their screens."""
    app = app_at("cache")
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "f-cache-bucket", "My_Bucket")
        assert "error" in problem_text(app, "cache.bucket")
    app = app_at("images")
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "f-images-mirror", "abc.mirror.aliyuncs.com")
        assert "error" in problem_text(app, "images.mirror")


async def test_networking_explains_each_egress_choice():
    """Each egress choice says what it needs; EIP shows its annotation and cost."""
    app = app_at("networking")
    async with app.run_test(size=SIZE) as pilot:
        needs = app.screen.query_one("#egress-needs", Static)
        assert "NAT gateway" in str(needs.content)
        await choose(pilot, "f-networking-egress", "eip")
        assert "EIP" in str(needs.content)
        assert field(app, "networking.eip_bandwidth").display
        preview = str(app.screen.query_one("#egress-preview", Static).content)
        assert '"k8s.aliyun.com/eci-with-eip" = "true"' in preview
        await toggle_to(pilot, "f-networking-service-host-env", False)
        assert app.answers.networking.service_host_env is False


async def test_offline_checks_say_not_checked():
    """With --offline every listed check says "not checked"."""
    app = app_at("registration")
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "f-registration-url", "http://127.0.0.1:9")
        await pilot.pause(DEBOUNCE + 0.4)
        panel = app.screen.query_one(CheckPanel)
        rows = [panel.row_text(name) for name in panel.rows]
        assert rows, "the registration step lists its checks"
        assert all("not checked" in row for row in rows)


async def test_facts_prefill_only_untouched_fields():
    """A detected kind and region fill empty answers but never a typed one."""
    app = app_at("cluster")
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "f-cluster-region", "cn-beijing")
        app.absorb_facts({"kind": "acs", "region": "cn-hangzhou"})
        await pilot.pause()
        assert app.answers.cluster.kind == "acs"
        assert field(app, "cluster.kind").control.value == "acs"
        assert app.answers.cluster.region == "cn-beijing"
        # The typed cluster region was carried to the cache before the fact came.
        assert app.answers.cache.region == "cn-beijing"


async def test_help_toggles_with_f1():
    """F1 shows the step's help text and the key list, and hides them again."""
    app = app_at("images")
    async with app.run_test(size=SIZE) as pilot:
        # Mounted on the first F1 (start-up is shorter without it).
        assert not app.screen.query("#help.-shown")
        await pilot.press("f1")
        help_panel = app.screen.query_one("#help")
        assert help_panel.has_class("-shown")
        assert "restricted since" in str(help_panel.content)
        await pilot.press("f1")
        assert not help_panel.has_class("-shown")


async def test_start_screen_option_opens_that_step():
    """--screen NAME opens that step directly."""
    for step in ("spot", "review"):
        app = app_at(step)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            assert isinstance(app.screen, StepScreen)
            assert step == app.screen.STEP


def test_ascii_marks_under_a_c_locale():
    """LANG=C (coerced by Python to LC_CTYPE=C.UTF-8) gets ASCII marks."""
    assert ascii_only({"LANG": "C", "LC_CTYPE": "C.UTF-8"})
    assert ascii_only({"LANG": "POSIX"})
    assert not ascii_only({"LANG": "C.UTF-8"})
    assert not ascii_only({"LANG": "en_US.UTF-8"})
    assert ascii_only({"LC_ALL": "C", "LANG": "en_US.UTF-8"})


async def test_pasted_kubeconfig_is_hidden_once_left():
    """Leaving the editor hides the credentials; Enter on the stand-in shows them."""
    text = (CASES / "10-missing-current-context.kubeconfig.yaml").read_text()
    app = app_at("cluster")
    async with app.run_test(size=SIZE) as pilot:
        await paste_into(pilot, "f-cluster-kubeconfig", text)
        assert "client-key-data" in screen_text(app)
        await pilot.press("tab")
        assert not app.screen.query_one("#f-cluster-kubeconfig").display
        assert "client-key-data" not in screen_text(app)
        assert f"Hidden: {len(text.splitlines())} line(s)" in screen_text(app)
        await pilot.press("shift+tab", "enter")
        assert app.focused.id == "f-cluster-kubeconfig"
        assert app.answers.cluster.kubeconfig.reveal() == text


async def test_target_lists_the_runner_entries(workdir):
    """The target step names the entries of the chosen config.toml."""
    config = workdir("config-two-runners.toml")
    app = app_at("target")
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "f-target-config", str(config))
        text = str(app.screen.query_one("#target-file", Static).content)
        assert "Runner entries in it:" in text and "k8s" in text
        await type_into(pilot, "f-target-config", str(config.parent / "new.toml"))
        text = str(app.screen.query_one("#target-file", Static).content)
        assert "will be created" in text


async def test_a_host_set_up_before_offers_one_step(workdir):
    """Without --screen, a set-up host asks which step to change and loads its values."""
    config = workdir("config-registered.toml")
    app = create_app(Answers(), Options(config=str(config), offline=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.focused.id == "resume-choices"
        await pilot.press("home", *["down"] * STEPS.index("spot"), "enter")
        await pilot.pause()
        assert app.screen.STEP == "spot"
        assert app.answers.target.mode == "edit"
        assert app.answers.target.runner == "gitlab-k8s"
        assert app.answers.registration.url == "https://gitlab.example.com"


async def test_a_host_set_up_before_can_start_afresh(workdir):
    """Start afresh: the first step, nothing loaded."""
    config = workdir("config-registered.toml")
    app = create_app(Answers(), Options(config=str(config), offline=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("end", "enter")
        await pilot.pause()
        assert app.screen.STEP == "target"
        assert app.answers.registration.url == ""


async def done_after_write(pilot) -> str:
    """Press Ctrl+N on the review and wait for the final screen's text."""
    from screens.done import DoneScreen

    await pilot.press("ctrl+n")
    for _ in range(100):
        if isinstance(pilot.app.screen, DoneScreen):
            return str(pilot.app.screen.query_one("#result").content)
        await pilot.pause(0.05)
    raise AssertionError("the files were not written")


async def test_review_lists_masked_diffs_then_writes_only_changes(answers_file):
    """Review: every file with a masked diff; a second write touches nothing."""
    from textual.widgets import Collapsible

    from wizard.answers import load_answers

    answers = load_answers(answers_file())
    secrets = (
        answers.cache.access_key_secret.reveal(),
        answers.registration.runner_token.reveal(),
    )
    app = app_at("review", answers)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        summary = str(app.screen.query_one("#plan-summary", Static).content)
        assert "config.toml (0600, holds secrets)" in summary
        assert "new  " in summary and "changed  " in summary
        diffs = list(app.screen.query(Collapsible))
        assert len(diffs) == len(app.screen.plan.artifacts)
        shown = "".join(str(s.content) for d in diffs for s in d.query(Static))
        assert "+    [runners.kubernetes.pod_annotations]" in shown
        assert not any(secret in shown for secret in secrets)
        await pilot.press("ctrl+g", "end", "enter")  # the review again, by keyboard
        done = await done_after_write(pilot)
        assert "file(s) written" in done and "kubectl apply -f" in done

    config = Path(answers.target.config)
    before = config.stat().st_mtime_ns
    app = app_at("review", load_answers(answers_file()))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        summary = str(app.screen.query_one("#plan-summary", Static).content)
        assert " changed  " not in summary and " new  " not in summary
        done = await done_after_write(pilot)
        assert "0 file(s) written" in done and "already up to date" in done
    assert config.stat().st_mtime_ns == before


async def test_review_with_errors_writes_nothing():
    """Errors anywhere: the review says so and Write stays off."""
    app = app_at("review")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.screen.check_action("next", ()) is None
        assert "Nothing can be written" in str(
            app.screen.query_one("#plan-summary", Static).content
        )
        await pilot.press("ctrl+n")
        assert app.screen.STEP == "review"


async def test_lint_fixes_apply_only_when_ticked(tmp_path):
    """Case 05: problems listed with lines; a ticked fix is applied, nothing else."""
    from wizard.lint import lint_config

    config = tmp_path / "config.toml"
    original = (CASES / "05-wrong-value-types.toml").read_text()
    config.write_text(original)
    app = app_at("target")
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "f-target-config", str(config))
        findings = str(app.screen.query_one("#lint-findings", Static).content)
        assert "config.toml:16:5" in findings and "cpu_request" in findings
        assert "unit cannot be guessed" in findings

        await focus(pilot, "lint-apply")
        await pilot.press("enter")
        assert config.read_text() == original  # nothing ticked, nothing written

        await focus(pilot, "lint-fixes")
        await pilot.press("home", "down", "space")  # the cpu_request fix
        await focus(pilot, "lint-apply")
        await pilot.press("enter")
        result = str(app.screen.query_one("#lint-result", Static).content)
        assert result.startswith("Applied 1 fix(es)")

    fixed = config.read_text()
    changed = [
        (a, b)
        for a, b in zip(original.splitlines(), fixed.splitlines(), strict=True)
        if a != b
    ]
    assert changed == [("    cpu_request = 1", '    cpu_request = "1"')]
    assert len(lint_config(fixed)) == len(lint_config(original)) - 1


async def test_review_names_a_runner_missing_from_config(answers_file):
    """An entry to edit that config.toml lacks: named on the review, nothing written."""
    from wizard.answers import load_answers

    answers = load_answers(answers_file({"target.runner": "nope"}))
    before = Path(answers.target.config).read_bytes()
    app = app_at("review", answers)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        summary = str(app.screen.query_one("#plan-summary", Static).content)
        assert "Nothing can be written yet" in summary
        assert "no runner named 'nope'" in summary and "gitlab-k8s" in summary
        assert app.screen.check_action("next", ()) is None
        assert app.screen.query_one("#write").disabled
        await pilot.press("ctrl+n")
        assert app.screen.STEP == "review"
    assert Path(answers.target.config).read_bytes() == before


async def runner_cleared(pilot):
    await choose(pilot, "f-target-mode", "edit")
    await type_into(pilot, "f-target-runner", "")


async def eip_on_acs(pilot):
    await choose(pilot, "f-networking-egress", "eip")


async def bad_namespace(pilot):
    await type_into(pilot, "f-cluster-namespace", "Not_A_Label")


async def bad_protection(pilot):
    await choose(pilot, "f-spot-strategy", "market")
    await type_into(pilot, "f-spot-protection-hours", "3")


@pytest.mark.parametrize(
    ("step", "kind", "enter", "path"),
    [
        ("target", "ask", runner_cleared, "target.runner"),
        ("cluster", "ask", bad_namespace, "cluster.namespace"),
        ("spot", "ask", bad_protection, "spot.protection_hours"),
        ("networking", "acs", eip_on_acs, "networking.egress"),
    ],
    ids=["target", "cluster", "spot", "networking"],
)
async def test_each_step_shows_its_error_beside_the_field(step, kind, enter, path):
    """A bad answer entered by keyboard: its error under its field, Next dimmed."""
    answers = Answers()
    answers.cluster.kind = kind
    app = app_at(step, answers)
    async with app.run_test(size=SIZE) as pilot:
        await enter(pilot)
        assert problem_text(app, path).startswith(("✗ error:", "x error:"))
        assert app.screen.check_action("next", ()) is None
        await pilot.press("ctrl+n")
        assert step == app.screen.STEP
        assert app.states[step] == "error"


async def test_ascii_marks_on_screen_under_lang_c(monkeypatch):
    """With LANG=C the step list and the problems use ASCII marks only."""
    monkeypatch.setenv("LANG", "C")
    monkeypatch.setenv("LC_CTYPE", "C.UTF-8")
    monkeypatch.delenv("LC_ALL", raising=False)
    app = app_at("registration")
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "f-registration-url", "gitlab.example.com")
        assert problem_text(app, "registration.url").startswith("x error:")
        steps = app.screen.query_one("#steps")
        assert str(steps.prompt_of("registration")) == ">x Registration"
        assert str(steps.prompt_of("cluster")) == " - Cluster"
        assert "step 2 of 9" in str(app.screen.query_one("#title", Static).content)
        assert "·" not in str(app.screen.query_one("#title", Static).content)
