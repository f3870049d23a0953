"""Pilot tests for the problems a new user met walking the wizard at 80x24."""

from __future__ import annotations

from test_screens import SIZE, app_at, field, screen_text
from textual import events
from textual.widgets import Input, Static

from screens import fields as F
from screens.app import create_app, screen_class
from screens.marks import mark
from screens.quit import QuitScreen
from screens.resume import ResumeScreen
from screens.review import ReviewScreen
from screens.testing import choose, focus, paste_into, type_into
from screens.widgets import CheckPanel
from wizard.model import STEPS, Answers
from wizard.options import Options
from wizard.secret import Secret
from wizard.write.files import unified_diff


def burst(app, *keys: str) -> None:
    """Queue keys at once, as a terminal delivers a fast burst, before any is handled."""
    for key in keys:
        event = events.Key(key, None)
        event.set_sender(app)
        app._driver.send_message(event)


def spot_answers(strategy: str, price: str = "") -> Answers:
    answers = Answers()
    answers.spot.strategy = strategy
    answers.spot.price_limit = price
    return answers


async def test_keys_after_ctrl_g_reach_the_step_list():
    """Ctrl+G Down Enter in one burst jumps a step and never changes the field."""
    app = app_at("spot", spot_answers("on-demand"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.focused.id == "f-spot-strategy"
        burst(app, "ctrl+g", "down", "enter")
        await pilot.pause(0.2)
        assert app.answers.spot.strategy == "on-demand"
        assert app.screen.STEP == "resources"


async def test_resume_asks_which_entry_when_there_are_several(workdir):
    """Several entries and no --runner: the dialog asks, then loads that entry."""
    config = workdir("config-two-runners.toml")
    app = create_app(Answers(), Options(config=str(config), offline=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("home", *["down"] * STEPS.index("cluster"), "enter")
        await pilot.pause()
        assert isinstance(app.screen, ResumeScreen)
        question = str(app.screen.query_one("#resume-question", Static).content)
        assert "which one" in question
        await pilot.press("down", "enter")  # the second entry: k8s
        await pilot.pause()
        assert app.screen.STEP == "cluster"
        assert app.answers.target.runner == "k8s"
        assert app.answers.cluster.namespace == "ci"


async def test_target_edit_with_a_name_loads_that_entry(workdir):
    """Edit + an entry's name on the Target step loads what that entry holds."""
    config = workdir("config-two-runners.toml")
    app = app_at("target", config=str(config))
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "f-target-mode", "edit")
        await type_into(pilot, "f-target-runner", "k8s")
        await pilot.pause()
        assert app.answers.target.runner == "k8s"
        assert app.answers.target.mode == "edit"
        assert app.answers.cluster.namespace == "ci"


async def test_resources_preview_lists_requests_and_limits():
    """The requests and limits written to config.toml are in the step's preview."""
    answers = Answers()
    answers.resources.cpu_request = "2"
    answers.resources.memory_limit = "8Gi"
    app = app_at("resources", answers)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = str(app.screen.query_one("#size-preview", Static).content)
        assert "nothing" not in text
        assert 'cpu_request = "2"' in text and 'memory_limit = "8Gi"' in text


async def test_enter_on_the_review_never_writes(answers_file):
    """Tab and Enter anywhere on the review: nothing is written; Ctrl+N writes."""
    from test_screens import done_after_write

    from wizard.answers import load_answers

    answers = load_answers(answers_file())
    app = app_at("review", answers)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        # Tab through every stop (twice round); Write is never one of them.
        seen = set()
        for _ in range(30):
            await pilot.press("tab")
            seen.add(app.focused.id if app.focused else None)
        assert "write" not in seen
        for _ in range(6):
            await pilot.press("tab", "enter")
        await pilot.pause(0.3)
        assert isinstance(app.screen, ReviewScreen)
        assert app.written == []
        assert "file(s) written" in await done_after_write(pilot)


async def test_ctrl_q_asks_only_with_unsaved_changes():
    """Changed answers: Ctrl+Q asks y/n; n stays, y quits."""
    app = app_at("spot", spot_answers("on-demand"))
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "f-spot-strategy", "market")
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert isinstance(app.screen, QuitScreen)
        assert "Quit without writing? y/n" in screen_text(app)
        await pilot.press("n")
        await pilot.pause()
        assert app.screen.STEP == "spot" and app.return_code is None
        await pilot.press("ctrl+q", "y")
        await pilot.pause()
        assert app.return_code == 0


async def test_ctrl_q_without_changes_quits_at_once():
    app = app_at("spot")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+q")
        await pilot.pause()
        assert app.return_code == 0


async def test_focused_field_is_marked_without_colour():
    """The focused field's label carries a mark, so focus shows in any terminal."""
    app = app_at("registration")
    async with app.run_test(size=SIZE) as pilot:
        await focus(pilot, "f-registration-url")
        label = str(field(app, "registration.url").query_one(".label").content)
        assert label.startswith(mark("current") + " ")
        assert mark("current") + " " + field(
            app, "registration.url"
        ).spec.label in screen_text(app)
        await pilot.press("tab")
        label = str(field(app, "registration.url").query_one(".label").content)
        assert not label.startswith(mark("current"))


async def test_quiet_check_panel_takes_two_rows():
    """All checks ok or not checked: one title line; a failure shows one line each."""
    app = app_at("cluster")
    why = "offline: started with --offline"
    rows = [(f"c{n}", f"Check {n}", "not checked", why) for n in range(4)]
    async with app.run_test(size=SIZE) as pilot:
        panel = app.screen.query_one(CheckPanel)
        panel.set_rows(rows)
        await pilot.pause(0.1)
        assert panel.outer_size.height <= 2
        title = panel.title_text
        assert title in screen_text(app)
        assert "4 not checked" in title and "offline" in title
        panel.update_row("c1", "Check 1", "error", "a long reason " * 8)
        await pilot.pause(0.1)
        # Title, border and one line per check: a long reason does not wrap.
        assert panel.outer_size.height == 5
        assert "Check 1: error" in screen_text(app)


async def test_radio_highlight_starts_on_the_chosen_option():
    """Reopening Spot with "cap": Enter keeps cap; Up Up Enter gives on-demand."""
    app = app_at("spot", spot_answers("cap", "0.5"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.focused.id == "f-spot-strategy"
        await pilot.press("enter")
        assert app.answers.spot.strategy == "cap"
        await pilot.press("up", "up", "enter")
        assert app.answers.spot.strategy == "on-demand"


async def test_namespace_comes_from_the_chosen_context():
    """A context with its own namespace prefills the field the operator left alone."""
    kubeconfig = (
        "apiVersion: v1\nkind: Config\ncurrent-context: ci\n"
        "clusters:\n- name: c\n  cluster:\n    server: https://127.0.0.1:6443\n"
        "users:\n- name: u\n  user:\n    token: abc\n"
        "contexts:\n- name: ci\n  context:\n    cluster: c\n    user: u\n"
        "    namespace: gitlab\n"
    )
    app = app_at("cluster")
    async with app.run_test(size=SIZE) as pilot:
        await paste_into(pilot, "f-cluster-kubeconfig", kubeconfig)
        await pilot.pause(0.2)
        assert app.answers.cluster.context == "ci"
        assert app.answers.cluster.namespace == "gitlab"
        assert field(app, "cluster.namespace").control.value == "gitlab"


async def test_typed_namespace_is_kept_over_the_context():
    answers = Answers()
    app = app_at("cluster", answers)
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "f-cluster-namespace", "mine")
        await paste_into(
            pilot,
            "f-cluster-kubeconfig",
            "apiVersion: v1\nkind: Config\ncurrent-context: ci\nclusters: []\n"
            "users: []\ncontexts:\n- name: ci\n  context:\n    namespace: gitlab\n",
        )
        await pilot.pause(0.2)
        assert app.answers.cluster.namespace == "mine"


async def test_region_typed_on_cluster_reaches_the_cache():
    app = app_at("cluster")
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "f-cluster-region", "cn-beijing")
        assert app.answers.cache.region == "cn-beijing"
        app.goto("cache")
        await pilot.pause()
        assert field(app, "cache.region").control.value == "cn-beijing"


async def test_leaving_cap_clears_the_hidden_price():
    """From cap to on-demand: the hidden price goes, and so does its warning."""
    app = app_at("spot", spot_answers("cap", "0.123456"))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert any(p.field == "spot.price_limit" for p in app.screen.problems)
        await choose(pilot, "f-spot-strategy", "on-demand")
        await pilot.pause()
        assert app.answers.spot.price_limit == ""
        assert not any(p.field == "spot.price_limit" for p in app.screen.problems)


def test_radio_choices_fit_the_content_width():
    """At 80 columns a radio option has about 46 cells for its words."""
    for step in STEPS:
        for spec in screen_class(step).FIELDS:
            if spec.kind != F.RADIO:
                continue
            for _, words in spec.choices or ():
                assert len(words) <= 45, (step, words)


async def test_networking_options_are_not_cut():
    app = app_at("networking")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        text = screen_text(app)
        assert "EIP per pod" in text and "…" not in text


async def test_placeholders_read_as_examples():
    app = app_at("target")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        control = field(app, "target.config").control
        assert isinstance(control, Input)
        assert control.placeholder.startswith("e.g. ")


def test_diff_headers_have_no_double_slash():
    diff = unified_diff(b"a = 1\n", b"a = 2\n", "/tmp/uifix/config.toml")
    assert "a//" not in diff and "b//" not in diff
    assert "--- a/tmp/uifix/config.toml" in diff


def test_runner_name_help_reads_plainly():
    for step, path in (
        ("target", "target.runner"),
        ("registration", "registration.name"),
    ):
        assert "name =" not in field_spec(step, path).help


def field_spec(step: str, path: str):
    return next(s for s in screen_class(step).FIELDS if s.path == path)


async def test_ctrl_r_offline_says_checks_are_off():
    app = app_at("cluster")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await pilot.press("ctrl+r")
        await pilot.pause()
        said = [n.message for n in app._notifications]
        assert any("offline: checks are off" in m for m in said)


async def test_final_screen_keeps_the_indent_of_wrapped_lines():
    """A long manual step wraps under its own text, not at the left edge."""
    from types import SimpleNamespace

    from screens.done import DoneScreen

    step = "run " + " ".join(f"word{n}" for n in range(40))
    plan = SimpleNamespace(notes=[], manual_steps=[step])
    report = SimpleNamespace(written=["/tmp/uifix/out/config.toml"], backups={})
    app = app_at("target")
    async with app.run_test(size=SIZE) as pilot:
        app.push_screen(DoneScreen(plan, report))
        await pilot.pause()
        lines = [line for line in screen_text(app).splitlines() if line.strip()]
        first = next(n for n, line in enumerate(lines) if "1. run word0" in line)
        start = lines[first].index("run word0")
        following = lines[first + 1]
        assert "word" in following
        assert following.index("word") == start


async def settle(pilot, done, timeout: float = 5.0) -> None:
    """Let the app run until `done()` holds (a loaded machine may need seconds)."""
    for _ in range(int(timeout / 0.05)):
        if done():
            return
        await pilot.pause(0.05)


def typed(text: str) -> list[str]:
    """Printable keys as the terminal sends them: the key name and its character."""
    return [f"char:{c}" for c in text]


def burst_text(app, *keys: str) -> None:
    """Like `burst`, but "char:x" sends the character x as typed text."""
    for key in keys:
        if key.startswith("char:"):
            char = key[len("char:") :]
            event = events.Key(char, char)
        else:
            event = events.Key(key, None)
        event.set_sender(app)
        app._driver.send_message(event)


async def test_text_typed_right_after_ctrl_n_goes_to_the_next_step():
    """Ctrl+N and text in one burst: the text lands in the next step's first field."""
    app = app_at("target")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        config_before = app.answers.target.config
        burst_text(app, "ctrl+n", *typed("zz"))
        await settle(pilot, lambda: app.answers.registration.url == "zz")
        assert app.screen.STEP == "registration"
        assert app.answers.registration.url == "zz"
        assert app.answers.target.config == config_before


async def test_text_typed_right_after_tab_goes_to_the_next_field():
    app = app_at("registration")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        burst_text(app, *typed("abc"), "tab", *typed("QQQ"))
        await settle(pilot, lambda: app.focused.value == "QQQ")
        assert app.answers.registration.url == "abc"
        assert app.focused.id == "f-registration-token"
        assert app.focused.value == "QQQ"


async def test_keys_after_a_jump_from_the_step_list_reach_the_new_step():
    app = app_at("cluster")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        burst_text(app, "ctrl+g", "up", "enter", *typed("yy"))
        await settle(pilot, lambda: app.answers.registration.url == "yy")
        assert app.screen.STEP == "registration"
        assert app.answers.registration.url == "yy"
        assert app.answers.cluster.kubeconfig is None


async def test_leaving_the_step_list_puts_its_highlight_back_on_the_current_step():
    """Enter after Tab away and back opens nothing; Enter on the current step returns to it."""
    app = app_at("target")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+g", "down", "down", "tab")
        await pilot.press("shift+tab")
        assert app.focused.id == "steps"
        await pilot.press("enter")
        await pilot.pause()
        assert app.screen.STEP == "target"
        assert app.focused.id == "f-target-config"


async def test_tab_from_the_step_list_reaches_the_first_field():
    app = app_at("target")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("ctrl+g", "tab")
        assert app.focused.id == "f-target-config"


async def test_the_focus_mark_leaves_the_label_with_ctrl_g():
    app = app_at("target")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        label = field(app, "target.config").query_one(".label", Static)
        assert label.has_class("-focused")
        await pilot.press("ctrl+g")
        assert not label.has_class("-focused")
        assert not str(label.content).startswith(mark("current"))


async def test_text_that_is_not_a_number_keeps_next_off():
    """A cleared whole-number field shows its error, and the step is not valid meanwhile."""
    app = app_at("networking")
    async with app.run_test(size=SIZE) as pilot:
        await choose(pilot, "f-networking-egress", "eip")
        await focus(pilot, "f-networking-eip-bandwidth")
        await pilot.press("end", "ctrl+u")
        await pilot.pause()
        assert app.answers.networking.eip_bandwidth == 5  # the model keeps its number
        assert "whole number" in field(app, "networking.eip_bandwidth").problem_text
        assert app.states["networking"] == "error"
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert app.screen.STEP == "networking", "Next moved on past an error shown"
        await pilot.press("7")
        await pilot.pause()
        assert app.answers.networking.eip_bandwidth == 7
        assert app.states["networking"] != "error"


async def test_editing_an_entry_of_a_missing_file_does_not_notify_on_every_key(
    tmp_path,
):
    app = create_app(
        Answers(),
        Options(
            config=str(tmp_path / "none.toml"), out_dir=str(tmp_path), offline=True
        ),
    )
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        await choose(pilot, "f-target-mode", "edit")
        await type_into(pilot, "f-target-runner", "runner-one")
        await pilot.pause()
        assert len(app._notifications) == 0
        assert "does not exist yet" in str(
            app.screen.query_one("#target-file", Static).content
        )


async def test_review_with_errors_says_so_once():
    """The review's plan line points at the errors listed above instead of repeating them."""
    app = app_at("review")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        plan = str(app.screen.query_one("#plan-summary", Static).content)
        assert "until the errors above are fixed" in plan
        assert "registration.url" not in plan


async def test_a_hidden_legacy_field_raises_no_warning_it_cannot_fix():
    """Tags typed for a legacy token stay in the answers, silently, once a glrt- token is given."""
    app = app_at("registration")
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "f-registration-token", "GR1348941abcdefghijklmnopqrst")
        await type_into(pilot, "f-registration-tags", "a, b")
        assert app.answers.registration.tags == ["a", "b"]
        await type_into(
            pilot, "f-registration-token", "glrt-abcdefghijklmnopqrstuvwxyz"
        )
        await pilot.pause()
        assert not field(app, "registration.tags").display
        summary = str(app.screen.query_one("#summary", Static).content)
        assert "registration.tags" not in summary
        assert app.answers.registration.tags == ["a", "b"]


async def test_the_focused_field_stays_in_view_when_the_terminal_shrinks():
    app = app_at("resources")
    async with app.run_test(size=(80, 50)) as pilot:
        await focus(pilot, "f-resources-helper-cpu-limit")
        await pilot.resize_terminal(80, 20)
        await pilot.pause(0.2)
        control = app.focused
        content = app.screen.query_one("#content")
        assert content.region.contains_region(control.region), (
            "the field went out of view"
        )


async def test_text_typed_just_before_ctrl_q_still_asks():
    """A burst "x, Ctrl+Q": the x is an unsaved change, so quitting asks first."""
    app = app_at("registration")
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        burst_text(app, *typed("x"), "ctrl+q")
        await pilot.pause(0.5)
        assert isinstance(app.screen, QuitScreen)
        assert app.answers.registration.url == "x"


async def test_a_path_too_long_to_look_at_is_a_field_error():
    app = app_at("target")
    async with app.run_test(size=SIZE) as pilot:
        await type_into(pilot, "f-target-config", "/tmp/" + "a" * 300)
        await pilot.pause()
        assert "cannot be used" in field(app, "target.config").problem_text
        assert app.states["target"] == "error"


async def test_hidden_credentials_hand_focus_to_their_stand_in():
    """On a return to Cluster, keys go to the visible "Hidden" line, not the hidden editor."""
    answers = Answers()
    answers.cluster.kubeconfig = Secret("apiVersion: v1\nkind: Config\n")
    app = app_at("cluster", answers)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert app.focused.has_class("reveal")
        assert app.focused.display
        await pilot.press("enter")
        await pilot.pause()
        assert app.focused.id == "f-cluster-kubeconfig"
