"""The building blocks every step screen shares: a field, the step list, the check panel."""

from __future__ import annotations

from dataclasses import dataclass

from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widget import Widget
from textual.widgets import (
    Button,
    Checkbox,
    Input,
    OptionList,
    RadioButton,
    RadioSet,
    Select,
    Static,
    TextArea,
)
from textual.widgets.option_list import Option

from screens import fields as F
from screens.marks import ERROR, NOT_VISITED, WARNING, mark
from wizard.problems import Problem


class Field(Vertical):
    """A labelled control with its one-line help and, under it, its problems."""

    DEFAULT_CSS = """
    Field { height: auto; margin-bottom: 1; }
    Field > .label { text-style: bold; }
    Field:focus-within > .label { text-style: bold reverse; }
    Field Checkbox:focus > .toggle--label { text-style: bold reverse; }
    Field RadioSet:focus > RadioButton.-selected > .toggle--label {
        text-style: bold reverse;
    }
    Field > .help { color: $text-muted; }
    Field > .problem { display: none; }
    Field > .problem.-error { display: block; color: $text-error; }
    Field > .problem.-warning { display: block; color: $text-warning; }
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

    def __init__(self, spec: F.FieldSpec, value: object) -> None:
        super().__init__(id="field-" + spec.widget_id[2:])
        self.spec = spec
        self.choices = spec.choices  # a step may replace them (kubeconfig contexts)
        self.initial = F.to_control(spec, value)
        self.shown: tuple[str, str] = ("", "")  # problem text and level on screen

    def compose(self) -> ComposeResult:
        if self.spec.kind != F.BOOL:  # a checkbox carries its own label
            yield Static(self.spec.label, classes="label", markup=False)
        yield self._control()
        if self.spec.kind == F.MULTILINE_SECRET:
            # Pasted credentials are shown only while being edited.
            yield Button(
                "", id=self.spec.widget_id + "-hidden", classes="reveal", compact=True
            )
        yield Static(self.spec.help, classes="help", markup=False)
        yield Static("", classes="problem", markup=False)

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
        set_text(self.query_one(".label", Static), prefix + self.spec.label)

    def on_descendant_blur(self, event: events.DescendantBlur) -> None:
        self.mark_focus(False)
        if (
            self.spec.kind == F.MULTILINE_SECRET
            and isinstance(event.widget, TextArea)
            and event.widget.text.strip()
            and self.shown[1] != ERROR
        ):
            self.hide_text(True)

    def on_button_pressed(self, event: Button.Pressed) -> None:
        if event.button.has_class("reveal"):
            event.stop()
            self.hide_text(False)
            self.query_one(TextArea).focus()

    def _control(self) -> Widget:
        spec, value, wid = self.spec, self.initial, self.spec.widget_id
        if spec.kind == F.MULTILINE_SECRET:
            area = TextArea(str(value), id=wid, show_line_numbers=True)
            area.tab_behavior = "focus"
            return area
        if spec.kind == F.BOOL:
            return Checkbox(self.bool_label(bool(value)), bool(value), id=wid)
        if spec.kind == F.CHOICE:
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

    def show_problems(self, problems: list[Problem]) -> None:
        """Show this field's errors and warnings under it; hide the line when none."""
        text, level = "", ""
        if problems:
            level = ERROR if any(p.level == ERROR for p in problems) else WARNING
            text = "\n".join(
                f"{mark(p.level)} {p.level}: {p.message}" for p in problems
            )
        if (text, level) == self.shown:
            return  # restyling on every keystroke is what makes typing lag
        self.shown = (text, level)
        line = self.query_one(".problem", Static)
        line.update(text)
        line.set_class(level == ERROR, "-error")
        line.set_class(level == WARNING, "-warning")

    def set_control_value(self, value: object) -> None:
        """Show a model value that changed elsewhere (a fact found by a check)."""
        shown = F.to_control(self.spec, value)
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
        self.choices = choices
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
        event.stop()
        if event.value is not Select.NULL:
            self._edited(event.value)

    def on_radio_set_changed(self, event: RadioSet.Changed) -> None:
        event.stop()
        if 0 <= event.index < len(self.choices):
            choice = self.choices[event.index][0]
            self.mark_chosen(choice)
            self._edited(choice)


class StepList(OptionList):
    """Every step with its state; Enter on one jumps there."""

    DEFAULT_CSS = """
    StepList { width: 18; height: 100%; border: none; padding: 0; }
    StepList:focus { border: none; }
    """

    @dataclass
    class Jump(Message):
        step: str

    def __init__(self, steps: tuple[str, ...], titles: dict[str, str]) -> None:
        super().__init__(*[Option(titles[s], id=s) for s in steps], id="steps")
        self.steps = steps
        self.titles = titles
        self.prompts: dict[str, str] = {}

    def show_states(self, states: dict[str, str], current: str) -> None:
        for step in self.steps:
            state = states.get(step, NOT_VISITED)
            here = mark("current") if step == current else " "
            prompt = f"{here}{mark(state)} {self.titles[step]}"
            # Each replaced prompt redraws the list: only those that changed.
            if self.prompts.get(step) != prompt:
                self.prompts[step] = prompt
                self.replace_option_prompt(step, prompt)
        index = self.steps.index(current)
        if self.highlighted != index:
            self.highlighted = index

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id:
            self.post_message(self.Jump(event.option.id))


class CheckPanel(Vertical):
    """One line per live check of the step: a mark, what it checks, status and why."""

    DEFAULT_CSS = """
    CheckPanel { height: auto; max-height: 5; border-top: solid $primary; }
    CheckPanel > .title { text-style: bold; }
    CheckPanel > .check { height: 1; text-wrap: nowrap; text-overflow: ellipsis; }
    CheckPanel > .check.-error { color: $text-error; }
    CheckPanel > .check.-warning { color: $text-warning; }
    CheckPanel > .check.-ok { color: $text-success; }
    """

    # Statuses that need no attention: all rows fold into the title line then.
    QUIET = ("ok", "not checked")

    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.rows: dict[str, tuple[str, str]] = {}  # check name: (status, why)

    def compose(self) -> ComposeResult:
        yield Static("Live checks", classes="title", markup=False)
        yield Static("", id="checks-empty")

    def fold(self) -> None:
        """One title line while every check is ok or not checked; else one line each."""
        quiet = all(status in self.QUIET for status, _ in self.rows.values())
        title = "Live checks"
        if quiet and self.rows:
            counts: dict[str, int] = {}
            for status, _ in self.rows.values():
                counts[status] = counts.get(status, 0) + 1
            title += ": " + ", ".join(f"{n} {s}" for s, n in counts.items())
            whys = {why for _, why in self.rows.values()}
            if len(whys) == 1 and "" not in whys:
                title += f" ({whys.pop()})"
        set_text(self.query_one(".title", Static), title)
        for row in self.query(".check"):
            row.display = not quiet

    def set_rows(self, rows: list[tuple[str, str, str, str]]) -> None:
        """Show exactly these rows: (check name, label, status, why)."""
        wanted = {self.row_id(name) for name, *_ in rows}
        self.rows = {name: (status, why) for name, _, status, why in rows}
        for old in self.query(".check"):
            if old.id not in wanted:
                old.remove()
        empty = self.query_one("#checks-empty", Static)
        set_text(empty, "" if rows else "No live checks for this step.")
        empty.display = not rows  # an empty line would still take a row
        # Rows already shown are updated in place: a removal is only done
        # later, so mounting a row again under its id could collide with it.
        present = {row.id for row in self.query(".check")}
        self.mount_all(
            Static(
                self.line(label, status, why),
                id=self.row_id(name),
                classes=self.row_classes(status),
                markup=False,
            )
            for name, label, status, why in rows
            if self.row_id(name) not in present
        )
        for name, label, status, why in rows:
            if self.row_id(name) in present:
                self.update_row(name, label, status, why)
        self.call_after_refresh(self.fold)  # the new rows are mounted by then

    def update_row(self, name: str, label: str, status: str, why: str) -> None:
        row = self.query_one("#" + self.row_id(name), Static)
        row.set_classes(self.row_classes(status))
        set_text(row, self.line(label, status, why))
        self.rows[name] = (status, why)
        self.fold()

    def row_text(self, name: str) -> str:
        """What one check's line says, as plain text."""
        return str(self.query_one("#" + self.row_id(name), Static).content)

    @staticmethod
    def row_classes(status: str) -> str:
        return "check -" + status.replace(" ", "-")

    @staticmethod
    def line(label: str, status: str, why: str) -> str:
        line = f"{mark(status)} {label}: {status}"
        return f"{line}. {why}" if why else line

    @staticmethod
    def row_id(name: str) -> str:
        return "check-" + "".join(c if c.isalnum() else "-" for c in name)


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
