"""The wizard application: one screen per step, built by one factory."""

from __future__ import annotations

import collections
import copy
import importlib
import logging
from pathlib import Path
from typing import Any, ClassVar

from textual import events
from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode, NoScreen
from textual.screen import Screen
from textual.timer import Timer

from screens.base import StepScreen
from wizard.checks import Check, CheckResult, Timeouts
from wizard.model import STEPS, Answers
from wizard.problems import Problem

log = logging.getLogger(__name__)

# Facts a check found, and the answer each one fills when it is still empty.
FACT_PATHS: dict[str, tuple[str, ...]] = {
    "kind": ("cluster.kind",),
    "cluster.kind": ("cluster.kind",),
    "region": ("cluster.region", "cache.region"),
    "cluster.region": ("cluster.region", "cache.region"),
    "vpc_id": ("cluster.vpc_id",),
    "cluster.vpc_id": ("cluster.vpc_id",),
    "vswitch_ids": ("cluster.vswitch_ids",),
    "cluster.vswitch_ids": ("cluster.vswitch_ids",),
    "runner_version": ("images.runner_version",),
    "images.runner_version": ("images.runner_version",),
}

# A kind has a default ("ask"), so "empty" cannot tell whether the operator
# chose it: a detected kind replaces it unless the operator touched the field.
_FILL_UNLESS_TOUCHED = {"cluster.kind"}


# Seconds a key may take before the next one is handed out anyway (next_key).
# Only a key whose widget vanished mid-way should ever hit it; on a loaded
# machine a step can take over a second to build, and a shorter limit then
# handed keys to the step being left.
KEY_HOLD_LIMIT = 3.0

# Each step's screen class, in the module of the same name.
SCREEN_CLASS_NAMES = {
    "target": "TargetScreen",
    "registration": "RegistrationScreen",
    "cluster": "ClusterScreen",
    "cache": "CacheScreen",
    "images": "ImagesScreen",
    "spot": "SpotScreen",
    "resources": "ResourcesScreen",
    "networking": "NetworkingScreen",
    "review": "ReviewScreen",
}


def screen_class(step: str) -> type[StepScreen]:
    """One step's screen class, imported when first needed (start-up stays short)."""
    module = importlib.import_module(f"screens.{step}")
    return getattr(module, SCREEN_CLASS_NAMES[step])


def screen_classes() -> dict[str, type[StepScreen]]:
    """Each step's screen class, by step name."""
    return {step: screen_class(step) for step in STEPS}


class WizardApp(App[int]):
    """Walks the operator through every step and writes the artifacts at the end."""

    TITLE = "ask-runner-wizard"
    # The palette is not needed, and ctrl+p then stays free for the fields.
    ENABLE_COMMAND_PALETTE = False
    # Textual's own ctrl+q, shown in the footer so every screen says how to
    # leave. Not a priority binding (Textual's is): it then comes after the
    # keys typed before it, so "unsaved changes" counts them (see next_key).
    BINDINGS: ClassVar = [Binding("ctrl+q", "quit", "Quit")]

    def __init__(self, answers: Answers, options: Any) -> None:
        super().__init__()
        self.answers = answers
        self.options = options
        self.offline = bool(getattr(options, "offline", False))
        self.timeouts: Timeouts = getattr(options, "timeouts", None) or Timeouts()
        chosen = getattr(options, "start_screen", None) or getattr(
            options, "screen", None
        )
        self.start_screen = chosen or STEPS[0]
        # Asked where to start only when nothing on the command line said so.
        self.may_offer_resume = not (
            chosen
            or getattr(options, "runner", "")
            or getattr(options, "answers_path", "")
        )
        self.visited: set[str] = set()
        self.touched: set[str] = set()
        self.states: dict[str, str] = {}
        self.facts: dict[str, object] = {}
        # The latest result of each live check, by check name, for the write.
        self.results: dict[str, tuple[Check, CheckResult]] = {}
        self.written: list[str] = []  # paths written by the review step
        # The answers as last loaded or written: Ctrl+Q asks only when they differ.
        self.saved = copy.deepcopy(answers)
        # Threads of each check still running, stale ones included (by check name).
        self.check_attempts: dict[str, int] = {}
        # Keys typed and not handed out yet, the one being handled, its timer.
        self.typed: collections.deque[events.Key | events.Paste] = collections.deque()
        self.key_in_flight: events.Key | events.Paste | None = None
        self.key_timer: Timer | None = None
        # The resume dialog to show first, on a host set up before.
        self.resume_question: Screen | None = None

    # Keys in order ----------------------------------------------------------
    #
    # Textual hands each key to the focused widget as soon as it arrives, but
    # runs a key's binding (Tab, Ctrl+N, Ctrl+G) only when the key has come
    # back up to the app. In a burst (a paste, a fast typist, a slow SSH link
    # delivering several keys at once) the keys after Tab or Ctrl+N reached
    # the field that had focus before that key acted. Here each key waits
    # until the one before it is done, and until a step just opened has
    # focused its first field.
    #
    # Not covered: a key counts as done once it has been handled, even when
    # its effect arrives in further messages (a radio choice that reveals a
    # field, Enter on a button, Enter in the resume dialog). A key right
    # behind it can then be handed out before that effect lands. Covering it
    # means waiting until the whole app is idle, which Textual does not
    # expose publicly.

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, (events.Key, events.Paste)) and not event.is_forwarded:
            self.typed.append(event)
            self.next_key()
            return
        await super().on_event(event)

    def next_key(self, *, waited: bool = False) -> None:
        """Hand out the next typed key, if the one before it is done and the step ready."""
        if self.key_in_flight is not None or not self.typed:
            return
        screen = self.screen
        if isinstance(screen, StepScreen) and not screen.ready and not waited:
            # The step calls next_key once its first field has focus.
            if self.key_timer is None:
                self.key_timer = self.set_timer(
                    KEY_HOLD_LIMIT, lambda: self.next_key(waited=True)
                )
            return
        if self.key_timer is not None:
            self.key_timer.stop()
        event = self.typed.popleft()
        self.key_in_flight = event
        # A key whose widget went away mid-way never reports back: go on anyway.
        self.key_timer = self.set_timer(KEY_HOLD_LIMIT, self.key_done)
        self.call_later(self.hand_out, event)

    async def hand_out(self, event: events.Key | events.Paste) -> None:
        """What Textual does with a key (priority bindings, else the focused widget)."""
        target = self.focused or self.screen
        await super().on_event(event)
        if event.is_forwarded:
            self.follow(event, target)
        else:
            self.key_done(event)  # a priority binding (Ctrl+Q) used it

    def follow(self, event: events.Key | events.Paste, node: DOMNode) -> None:
        """Step up from `node` to the app behind the key, then call it done.

        Each step is a callback queued after the key on that node: it runs
        once the node has handled the key and passed it on (or stopped it).
        """

        def after() -> None:
            # Walking up even when a field stopped the key lets what the key
            # set off (the field's Edited message to the screen) land first.
            # A key that closed its screen (Enter in the step list) ends here:
            # that screen will not pass anything on.
            if node is self or node.parent is None or self.left_behind(node):
                self.key_done(event)
            else:
                self.follow(event, node.parent)

        node.call_later(after)

    def left_behind(self, node: DOMNode) -> bool:
        """Whether `node` is on a screen no longer on the stack."""
        try:
            screen = node if isinstance(node, Screen) else node.screen
        except NoScreen:
            return True
        return screen not in self.screen_stack

    def key_done(self, event: events.Key | events.Paste | None = None) -> None:
        if event is not None and event is not self.key_in_flight:
            return  # a late report of a key already given up on
        if self.key_timer is not None:
            self.key_timer.stop()
            self.key_timer = None
        self.key_in_flight = None
        self.next_key()

    def get_default_screen(self) -> Screen:
        """The first step's own screen, so that start-up builds one screen, not two.

        On a host set up before, a blank screen instead: the resume dialog
        (pushed by on_mount) asks which step to open.
        """
        if self.start_screen not in SCREEN_CLASS_NAMES:
            log.warning(
                "unknown screen %r; starting at the first step", self.start_screen
            )
            self.start_screen = STEPS[0]
        self.resume_question = self.resume_offer() if self.may_offer_resume else None
        if self.resume_question:
            return Screen()
        return screen_class(self.start_screen)()

    def on_mount(self) -> None:
        if self.resume_question:
            self.push_screen(self.resume_question, self.resume)

    def paths(self) -> tuple[Path, Path]:
        """config.toml and the artifacts folder, as the answers and flags name them."""
        from wizard.paths import resolve_config_path, resolve_out_dir

        options = self.options
        config = resolve_config_path(
            self.answers.target.config or getattr(options, "config", "")
        )
        out = self.answers.target.out_dir or getattr(options, "out_dir", "")
        return config, resolve_out_dir(out, config)

    def resume_offer(self) -> Screen | None:
        """On a host set up before, the dialog that asks which step to change."""
        config, out = self.paths()
        try:
            if not config.exists() and not out.exists():
                # A fresh host: no need to load the readers to know that.
                return None
        except OSError:
            return None  # a path that cannot be looked at: the target step says why
        from screens.resume import ResumeScreen
        from wizard.readback import runner_names, set_up_before

        if not set_up_before(config, out):
            return None
        try:
            names = runner_names(config)
        except (OSError, ValueError):
            names = []  # the target step reports an unreadable file
        return ResumeScreen(str(config), names)

    def resume(self, choice: Any) -> None:
        """Load what an earlier run wrote (when asked) and open the chosen step."""
        from wizard.lint import MalformedFileError
        from wizard.readback import ReadbackError, read_existing

        if choice.load:
            config, out = self.paths()
            try:
                loaded = read_existing(
                    config, out, choice.runner or getattr(self.options, "runner", None)
                )
            except (ReadbackError, MalformedFileError) as exc:
                # Nothing loaded: the walk starts from empty answers and says why.
                self.notify(str(exc), title="Not loaded", severity="error", timeout=10)
            else:
                self.answers = loaded.answers
                self.saved = copy.deepcopy(loaded.answers)
                self.visited.update(s for s in STEPS if s != "review")
        self.push_screen(screen_class(choice.step)())

    @property
    def unsaved(self) -> bool:
        """Whether the answers differ from what was loaded or last written."""
        return self.answers != self.saved

    async def action_quit(self) -> None:
        """Quit at once, or ask first when answers would be lost.

        Signals do not come here (screens.terminal calls exit()), so SIGTERM
        and SIGHUP never wait for an answer.
        """
        from screens.quit import QuitScreen

        if not self.unsaved or isinstance(self.screen, QuitScreen):
            self.exit()
            return
        self.push_screen(QuitScreen())

    def goto(self, step: str) -> None:
        """Show a step's screen; its answers live in the model, so nothing is lost."""
        self.show(screen_class(step)())

    def show(self, screen: Screen) -> None:
        """Put `screen` in place of the one shown."""
        if len(self.screen_stack) == 1:
            # The first screen is the app's default screen, which Textual
            # cannot switch away from: it stays below, suspended (its checks
            # stopped), and the screens after it take turns above it.
            self.push_screen(screen)
        else:
            self.switch_screen(screen)

    # Validation and step states -------------------------------------------

    def problems_of(self, step: str) -> list[Problem]:
        """Every error and warning of one step, from the domain's validation."""
        from wizard.validate import validate_step

        return list(validate_step(self.answers, step))

    def refresh_states(self, known: dict[str, list[Problem]] | None = None) -> None:
        """Recompute each visited step's state: valid, warning or error.

        `known` holds problems just computed for a step, so they are not
        computed twice for the same answers.
        """
        from screens.marks import ERROR, VALID, WARNING

        for step in self.visited:
            problems = (known or {}).get(step)
            if problems is None:
                problems = self.problems_of(step)
            if any(p.level == ERROR for p in problems):
                self.states[step] = ERROR
            elif problems:
                self.states[step] = WARNING
            else:
                self.states[step] = VALID

    # Live checks ----------------------------------------------------------

    def checks_of(self, step: str) -> list[Check]:
        """The step's live checks; none when the checks layer is not installed."""
        try:
            from wizard.checks import checks_for

            return list(checks_for(step, self.answers))
        except ModuleNotFoundError as exc:
            log.info("no live checks for %s: %s", step, exc.name)
            return []

    def attempt_ended(self, name: str) -> None:
        """A check's thread returned (maybe long after it was cancelled)."""
        self.check_attempts[name] = max(self.check_attempts.get(name, 1) - 1, 0)
        # The step shown now may not be the screen that started the attempt.
        if isinstance(self.screen, StepScreen):
            self.screen.run_queued(name)

    def absorb_facts(self, facts: dict[str, object]) -> None:
        """Prefill still-empty answers with what a check found."""
        from screens.fields import get_value, set_value

        self.facts.update(facts)
        filled = []
        for key, value in facts.items():
            for path in FACT_PATHS.get(key, ()):
                current = get_value(self.answers, path)
                if path in self.touched:
                    continue
                if current and path not in _FILL_UNLESS_TOUCHED:
                    continue
                if current == value or value in (None, "", []):
                    continue
                set_value(self.answers, path, value)
                log.info("prefilled %s from a check", path)
                filled.append(path)
        if filled and isinstance(self.screen, StepScreen):
            for path in filled:
                self.screen.show_value(path)
            self.screen.revalidate()


def create_app(answers: Answers, options: Any) -> WizardApp:
    """The one way the CLI and the tests build the app."""
    return WizardApp(answers, options)


def run_wizard(answers: Answers, options: Any) -> int:
    """Run the wizard in this terminal; the exit status for the CLI."""
    from screens.terminal import exit_without_waiting, run_guarded

    app = create_app(answers, options)
    run_guarded(app)
    code = app.return_code or 0
    exit_without_waiting(code)
    return code
