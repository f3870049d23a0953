"""The building blocks every step screen shares: a field, the step list, the check panel."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import Input, RadioButton, RadioSet, Static

if TYPE_CHECKING:
    from textual.widgets import Button, Checkbox, Select, TextArea

from screens import fields as F
from screens.marks import ERROR, NOT_VISITED, WARNING, mark
from wizard.problems import Problem


class Field(Vertical):
    """A labelled control with its one-line help and, under it, its problems."""

    DEFAULT_CSS = """
    Field { height: auto; margin-bottom: 1; }
    Field > .label { text-style: bold; }
    Field > .label.-focused { text-style: bold reverse; }
    Field Checkbox:focus > .toggle--label { text-style: bold reverse; }
    Field RadioSet:focus > RadioButton.-selected > .toggle--label {
        text-style: bold reverse;
    }
    Field > .help { color: $text-muted; }
    Field TextArea { height: 8; }
    Field .reveal { width: 100%; }
    Field Input { background: $boost; }
    Field Input:focus { background: $surface-lighten-2; }
    Field RadioSet { width: 100%; }
    """

    @dataclass
    class Edited(Message):
        """The operator changed this field's control."""

        field: Field
        raw: object

    def __init__(self, spec: F.FieldSpec, value: object, *, shown: bool = True) -> None:
        super().__init__(id="field-" + spec.widget_id[2:])
        self.spec = spec
        self.choices = spec.choices  # a step may replace them (kubeconfig contexts)
        self.initial = F.to_control(spec, value)
        self.shown: tuple[str, str] = ("", "")  # problem text and level on screen
        # A field that does not apply yet is an empty box until first shown:
        # building controls nobody sees slowed every screen's start.
        self.built = shown
        self.display = shown

    def compose(self) -> ComposeResult:
        if self.built:
            yield from self.parts()

    def parts(self) -> list[Widget]:
        """Label, control and the line under it (help, then any problems)."""
        parts: list[Widget] = []
        if self.spec.kind != F.BOOL:  # a checkbox carries its own label
            parts.append(Static(self.spec.label, classes="label", markup=False))
        parts.append(self._control())
        if self.spec.kind == F.MULTILINE_SECRET:
            from textual.widgets import Button

            # Pasted credentials are shown only while being edited.
            parts.append(
                Button(
                    "",
                    id=self.spec.widget_id + "-hidden",
                    classes="reveal",
                    compact=True,
                )
            )
        parts.append(Static(self.note(), classes="help", markup=False))
        return parts

    def show(self, shown: bool) -> None:
        """Show or hide the field, building its control the first time it shows."""
        if shown and not self.built:
            self.built = True
            self.mount_all(self.parts())
            self.call_after_refresh(self.prepare_control)
        if self.display != shown:
            self.display = shown

    def note(self) -> Content:
        """The help line, and under it this field's problems in their colour."""
        text, level = self.shown
        help_line = Content(self.spec.help)
        if not text:
            return help_line
        colour = "$text-error" if level == ERROR else "$text-warning"
        return Content("\n").join([help_line, Content.styled(text, colour)])

    @property
    def problem_text(self) -> str:
        """The problems shown under the field, as plain text ("" when none)."""
        if not self.built:
            return ""
        shown = str(self.query_one(".help", Static).content)
        return shown.removeprefix(self.spec.help).lstrip("\n")

    def bool_label(self, value: bool) -> Content:
        """A checkbox label that states its value in words, not only by colour."""
        return Content(f"{self.spec.label}: {'yes' if value else 'no'}")

    @staticmethod
    def radio_label(words: str, chosen: bool) -> Content:
        """An option's label marked when chosen: the button differs only by colour."""
        return Content(f"{mark('ok') if chosen else ' '} {words}")

    def mark_chosen(self, chosen: object) -> None:
        for (choice, words), button in zip(
            self.choices, self.query(RadioButton), strict=False
        ):
            button.label = self.radio_label(words, choice == chosen)

    def on_mount(self) -> None:
        if self.built:
            self.prepare_control()

    def prepare_control(self) -> None:
        """What a freshly mounted control needs: a hidden secret, the radio highlight."""
        if self.spec.kind == F.MULTILINE_SECRET:
            self.hide_text(bool(str(self.initial).strip()))
        if self.spec.kind == F.RADIO:
            self.highlight_chosen(self.initial)

    def highlight_chosen(self, chosen: object) -> None:
        """Start a radio list's highlight on the chosen option, not on the first."""
        known = [choice for choice, _ in self.choices]
        if chosen in known:
            # RadioSet keeps its highlight in _selected and offers no public setter;
            # its own mount moved it to the first option.
            self.control._selected = known.index(chosen)

    def hide_text(self, hidden: bool) -> None:
        """Swap the multi-line editor for a one-line stand-in that reveals nothing."""
        from textual.widgets import Button, TextArea

        area = self.query_one(TextArea)
        button = self.query_one(".reveal", Button)
        lines = len(area.text.splitlines())
        button.label = (
            f"Hidden: {lines} line(s) with credentials. Enter shows them to edit."
        )
        area.display = not hidden
        button.display = hidden

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        # A mark, not only a style: the focused field shows in any terminal.
        self.mark_focus(True)
        # The label and help above the control come into view with it.
        self.scroll_visible(animate=False)

    def mark_focus(self, focused: bool) -> None:
        if self.spec.kind == F.BOOL:
            return  # a checkbox has no label line; its own label turns reverse
        prefix = mark("current") + " " if focused else ""
        label = self.query_one(".label", Static)
        set_text(label, prefix + self.spec.label)
        # A class set here, not :focus-within: Textual left that style on
        # after focus moved to the step list.
        label.set_class(focused, "-focused")

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.mark_focus(False)
        if self.spec.kind != F.MULTILINE_SECRET:
            return
        from textual.widgets import TextArea

        if (
            isinstance(event.widget, TextArea)
            and event.widget.text.strip()
            and self.shown[1] != ERROR
        ):
            self.hide_text(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.has_class("reveal"):
            event.stop()
            self.hide_text(False)
            self.control.focus()

    def _control(self) -> Widget:
        # The editors the first screen does not use are imported when a step
        # needs one: each costs start-up time (bench/run.py).
        spec, value, wid = self.spec, self.initial, self.spec.widget_id
        if spec.kind == F.MULTILINE_SECRET:
            from textual.widgets import TextArea

            area = TextArea(str(value), id=wid, show_line_numbers=True)
            area.tab_behavior = "focus"
            return area
        if spec.kind == F.BOOL:
            from textual.widgets import Checkbox

            return Checkbox(self.bool_label(bool(value)), bool(value), id=wid)
        if spec.kind == F.CHOICE:
            from textual.widgets import Select

            options = [(words, choice) for choice, words in self.choices]
            known = [choice for choice, _ in self.choices]
            return Select(
                options,
                value=value if value in known else Select.NULL,
                allow_blank=value not in known,
                compact=True,
                id=wid,
            )
        if spec.kind == F.RADIO:
            buttons = [
                RadioButton(self.radio_label(words, choice == value), choice == value)
                for choice, words in self.choices
            ]
            return RadioSet(*buttons, id=wid)
        return Input(
            str(value),
            # "e.g." so an example never reads as a value in a colourless terminal.
            placeholder=f"e.g. {spec.placeholder}" if spec.placeholder else "",
            password=spec.kind == F.SECRET,
            type="integer" if spec.kind == F.INT else "text",
            compact=True,
            # Keys typed into a prefilled field add to its value, never replace it.
            select_on_focus=False,
            id=wid,
        )

    @property
    def control(self) -> Widget:
        return self.query_one("#" + self.spec.widget_id)

    @property
    def focus_target(self) -> Widget:
        """What takes focus for this field: the stand-in while credentials are hidden."""
        control = self.control
        if not control.display and self.spec.kind == F.MULTILINE_SECRET:
            return self.query_one(".reveal")
        return control

    def show_problems(self, problems: list[Problem]) -> None:
        """Show this field's errors and warnings under it; hide the line when none."""
        text, level = "", ""
        if problems:
            level = ERROR if any(p.level == ERROR for p in problems) else WARNING
            text = "\n".join(
                f"{mark(p.level)} {p.level}: {p.message}" for p in problems
            )
        if (text, level) == self.shown:
            return  # redrawing on every keystroke is what makes typing lag
        self.shown = (text, level)
        if self.built:
            self.query_one(".help", Static).update(self.note())
            if text and self.has_focus_within:
                # A problem of the field being typed in comes into view with it.
                self.call_after_refresh(self.scroll_visible, animate=False)

    def set_control_value(self, value: object) -> None:
        """Show a model value that changed elsewhere (a fact found by a check)."""
        from textual.widgets import Checkbox, Select, TextArea

        shown = F.to_control(self.spec, value)
        if not self.built:
            self.initial = shown  # the control starts from it when first shown
            return
        control = self.control
        if isinstance(control, Input):
            control.value = str(shown)
        elif isinstance(control, TextArea):
            control.text = str(shown)
        elif isinstance(control, Checkbox):
            control.value = bool(shown)
        elif isinstance(control, Select):
            known = [choice for choice, _ in self.choices]
            wanted = shown if shown in known else Select.NULL
            if control.value != wanted:  # an equal value would still redraw it
                control.value = wanted
        elif isinstance(control, RadioSet):
            for (choice, _), button in zip(
                self.choices, control.query(RadioButton), strict=False
            ):
                button.value = choice == shown
            self.mark_chosen(shown)
            self.highlight_chosen(shown)

    def set_choices(self, choices: tuple[tuple[str, str], ...], value: str) -> None:
        """Offer new choices in a Select and show `value` if it is one of them."""
        from textual.widgets import Select

        self.choices = choices
        if not self.built:
            self.initial = value
            return
        control = self.control
        if isinstance(control, Select):
            control.set_options([(words, choice) for choice, words in choices])
            known = [choice for choice, _ in choices]
            control.value = value if value in known else Select.NULL

    def _edited(self, raw: object) -> None:
        self.post_message(self.Edited(self, raw))

    def on_input_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._edited(event.value)

    def on_text_area_changed(self, event: TextArea.Changed) -> None:
        event.stop()
        self._edited(event.text_area.text)

    def on_checkbox_changed(self, event: Checkbox.Changed) -> None:
        event.stop()
        event.checkbox.label = self.bool_label(event.value)
        self._edited(event.value)

    def on_select_changed(self, event: Select.Changed) -> None:
        from textual.widgets import Select

        event.stop()
        if event.value is not Select.NULL:
            self._edited(event.value)

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        if 0 <= event.index < len(self.choices):
            choice = self.choices[event.index][0]
            self.mark_chosen(choice)
            self._edited(choice)


class StepList(Widget, can_focus=True):
    """Every step with its state, one line each; Enter on one jumps there.

    Drawn as one block of text rather than as Textual's OptionList: the list is
    on every screen, and the OptionList alone added about 45 ms to the time
    from launch to the first screen (bench/run.py).
    """

    DEFAULT_CSS = """
    StepList { width: 18; height: 100%; }
    """

    BINDINGS: ClassVar = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("home", "move_to(0)", "First", show=False),
        Binding("end", "move_to(-1)", "Last", show=False),
        Binding("enter", "jump", "Open", show=False),
    ]

    def __init__(
        self,
        steps: tuple[str, ...],
        titles: dict[str, str],
        on_jump: Callable[[str], None],
    ) -> None:
        super().__init__(id="steps")
        self.steps = steps
        self.titles = titles
        # Called at once rather than by message: the step opens before the
        # next key is handed out (WizardApp.next_key).
        self.on_jump = on_jump
        self.prompts: dict[str, str] = {s: f"  {titles[s]}" for s in steps}
        self.current = 0  # the step shown now
        self.highlighted = 0

    def prompt_of(self, step: str) -> str:
        """The line shown for one step: current mark, state mark, title."""
        return self.prompts[step]

    def render(self) -> Content:
        lines = []
        for index, step in enumerate(self.steps):
            line = Content(self.prompts[step])
            if index == self.highlighted and self.has_focus:
                line = line.stylize("reverse")
            lines.append(line)
        return Content("\n").join(lines)

    def show_states(self, states: dict[str, str], current: str) -> None:
        prompts = {}
        for step in self.steps:
            state = states.get(step, NOT_VISITED)
            here = mark("current") if step == current else " "
            prompts[step] = f"{here}{mark(state)} {self.titles[step]}"
        self.current = self.steps.index(current)
        if prompts != self.prompts:
            self.prompts = prompts
            self.refresh()

    def action_move(self, delta: int) -> None:
        self.highlighted = (self.highlighted + delta) % len(self.steps)
        self.refresh()

    def action_move_to(self, index: int) -> None:
        self.highlighted = index % len(self.steps)
        self.refresh()

    def action_jump(self) -> None:
        self.on_jump(self.steps[self.highlighted])

    def on_click(self, event: events.Click) -> None:
        if 0 <= event.y < len(self.steps):
            self.on_jump(self.steps[event.y])

    def on_focus(self) -> None:
        # The highlight starts on the step shown, wherever it was left.
        self.highlighted = self.current
        self.refresh()

    def on_blur(self) -> None:
        self.highlighted = self.current
        self.refresh()


class CheckPanel(Static):
    """One line per live check of the step: a mark, what it checks, status and why.

    A single widget drawing every line, not a widget per check: rows change
    while the operator types, and remounting widgets then costs far more than
    redrawing a few lines of text.
    """

    DEFAULT_CSS = """
    CheckPanel {
        height: auto; max-height: 5; border-top: solid $primary;
        text-wrap: nowrap; text-overflow: ellipsis;
    }
    """

    # Statuses that need no attention: all rows fold into the title line then.
    QUIET = ("ok", "not checked")
    # Colour as well as the mark: the mark alone carries it in a colourless terminal.
    STATUS_STYLES = {
        "error": "$text-error",
        "warning": "$text-warning",
        "ok": "$text-success",
    }

    def __init__(self, **kwargs) -> None:
        super().__init__("", markup=False, **kwargs)
        # Check name: (label, status, why), in the order the step lists them.
        self.rows: dict[str, tuple[str, str, str]] = {}

    def on_mount(self) -> None:
        self.redraw()

    def set_rows(self, rows: list[tuple[str, str, str, str]]) -> None:
        """Show exactly these rows: (check name, label, status, why)."""
        self.rows = {name: (label, status, why) for name, label, status, why in rows}
        self.redraw()

    def update_row(self, name: str, label: str, status: str, why: str) -> None:
        self.rows[name] = (label, status, why)
        self.redraw()

    def row_text(self, name: str) -> str:
        """What one check's line says, as plain text; "" while it is not listed."""
        return self.line(*self.rows[name]) if name in self.rows else ""

    @property
    def title_text(self) -> str:
        """The first line: "Live checks", with a count of each status when all are quiet."""
        title = "Live checks"
        if self.rows and self.quiet:
            counts: dict[str, int] = {}
            for _, status, _ in self.rows.values():
                counts[status] = counts.get(status, 0) + 1
            title += ": " + ", ".join(f"{n} {s}" for s, n in counts.items())
            whys = {why for _, _, why in self.rows.values()}
            if len(whys) == 1 and "" not in whys:
                title += f" ({whys.pop()})"
        return title

    @property
    def quiet(self) -> bool:
        return all(status in self.QUIET for _, status, _ in self.rows.values())

    def redraw(self) -> None:
        """One title line while every check is ok or not checked; else one line each."""
        lines = [Content.styled(self.title_text, "bold")]
        if not self.rows:
            lines.append(Content("No live checks for this step."))
        elif not self.quiet:
            lines.extend(
                Content.styled(
                    self.line(label, status, why), self.STATUS_STYLES.get(status, "")
                )
                for label, status, why in self.rows.values()
            )
        content = Content("\n").join(lines)
        if content != self.content:
            self.update(content)

    @staticmethod
    def line(label: str, status: str, why: str) -> str:
        line = f"{mark(status)} {label}: {status}"
        return f"{line}. {why}" if why else line


class KeyBar(Static):
    """The step's keys on one line; unlike Textual's Footer it ignores focus changes.

    The Footer rebuilds all its widgets whenever focus moves (each Tab), which
    made moving between fields slow; these keys belong to the screen, not to
    the focused field, so the line only changes when an action turns on or off.
    """

    DEFAULT_CSS = """
    KeyBar { dock: bottom; height: 1; background: $panel; padding: 0 1; }
    """

    def __init__(self) -> None:
        super().__init__("", id="keys", markup=False)
        self.shown: tuple[tuple[str, str, bool], ...] = ()

    def show_keys(self) -> None:
        """Draw the screen's and the app's shown bindings; dim those that are off."""
        screen = self.screen
        by_key: dict[str, Binding] = {}
        # Subclass bindings replace those they inherit for the same key.
        for klass in reversed(type(screen).__mro__):
            for binding in klass.__dict__.get("BINDINGS", ()):
                if isinstance(binding, Binding):
                    by_key[binding.key] = binding
        for binding in self.app.BINDINGS:
            if isinstance(binding, Binding):
                by_key.setdefault(binding.key, binding)
        keys = []
        for binding in by_key.values():
            if not binding.show or not binding.description:
                continue
            # The app's own keys (Quit) are always on; the screen says for its own.
            state = (
                True
                if binding.action.startswith("app.") or binding in self.app.BINDINGS
                else screen.check_action(binding.action, ())
            )
            if state is False:
                continue
            keys.append(
                (self.app.get_key_display(binding), binding.description, state is None)
            )
        shown = tuple(keys)
        if shown == self.shown:
            return
        self.shown = shown
        parts = [
            Content.styled(f"{key} {words}", "dim")
            if off
            else Content.assemble((key, "bold"), f" {words}")
            for key, words, off in shown
        ]
        self.update(Content("  ").join(parts))


def set_text(widget: Static, text: str) -> None:
    """Replace a Static's text only when it differs: each update re-lays out the screen."""
    if widget.content != text:
        widget.update(text)
