"""Keyboard-only helpers for Pilot tests of the wizard (used by several test files)."""

from __future__ import annotations

from typing import Any

from textual import events
from textual.widgets import RadioSet, Select

# Enough Tab presses to cycle through the longest screen (resources) twice.
MAX_TABS = 80


async def focus(pilot: Any, widget_id: str) -> None:
    """Press Tab until the widget with this id has focus, as a person would."""
    app = pilot.app
    for _ in range(MAX_TABS):
        if app.focused is not None and app.focused.id == widget_id:
            return
        await pilot.press("tab")
    focused = app.focused.id if app.focused else None
    raise AssertionError(f"Tab never reached #{widget_id} (focus is on #{focused})")


async def type_into(
    pilot: Any, widget_id: str, text: str, *, clear: bool = True
) -> None:
    """Focus a single-line input by Tab, clear it with Ctrl+U and Ctrl+K, then type."""
    await focus(pilot, widget_id)
    if clear:
        await pilot.press("end", "ctrl+u")
    if text:
        await pilot.press(*text)


async def paste_into(pilot: Any, widget_id: str, text: str) -> None:
    """Focus a multi-line editor by Tab and paste text, as a terminal's bracketed paste."""
    await focus(pilot, widget_id)
    pilot.app.post_message(events.Paste(text))
    await pilot.pause()


async def choose(pilot: Any, widget_id: str, value: str) -> None:
    """Pick `value` in a Select (Enter, arrows, Enter) or a RadioSet (arrows, Enter)."""
    await focus(pilot, widget_id)
    widget = pilot.app.focused
    if isinstance(widget, Select):
        # Open the list, go to the top, walk down one more row each attempt.
        for steps in range(MAX_TABS):
            await pilot.press("enter", "home", *["down"] * steps, "enter")
            if widget.value == value:
                return
        raise AssertionError(f"#{widget_id} never offered {value!r}")
    if isinstance(widget, RadioSet):
        values = [choice for choice, _ in widget.parent.choices]
        target = values.index(value)
        # Down moves the highlight (wrapping), Enter presses the highlighted one.
        for _ in range(len(values) + 1):
            if widget.pressed_index == target:
                return
            await pilot.press("down", "enter")
        raise AssertionError(f"#{widget_id} never reached {value!r}")
    raise AssertionError(f"#{widget_id} is not a choice")


async def toggle_to(pilot: Any, widget_id: str, value: bool) -> None:
    """Set a checkbox with the space bar when it is not already `value`."""
    await focus(pilot, widget_id)
    if bool(pilot.app.focused.value) != value:
        await pilot.press("space")


async def fill_step(pilot: Any, expected: Any) -> None:
    """Set every visible field of the current step to its value in `expected`, by keyboard.

    Fields appear as others change (a radio choice shows its own questions),
    so the screen is walked until nothing differs.
    """
    from screens import fields as F
    from screens.widgets import Field

    for _ in range(4):
        pending = [
            f
            for f in pilot.app.screen.query(Field)
            if f.display
            # Compared as shown: a secret read from a file equals one typed in.
            and F.to_control(f.spec, F.get_value(pilot.app.answers, f.spec.path))
            != F.to_control(f.spec, F.get_value(expected, f.spec.path))
        ]
        if not pending:
            return
        for field in pending:
            await set_field(pilot, field, F.get_value(expected, field.spec.path))
    raise AssertionError(f"fields still differ: {[f.spec.path for f in pending]}")


async def set_field(pilot: Any, field: Any, value: Any) -> None:
    """Give one field a model value the way an operator would enter it."""
    from screens import fields as F

    spec, wid = field.spec, field.spec.widget_id
    shown = F.to_control(spec, value)
    if spec.kind == F.MULTILINE_SECRET:
        await paste_into(pilot, wid, str(shown))
    elif spec.kind == F.BOOL:
        await toggle_to(pilot, wid, bool(shown))
    elif spec.kind in (F.CHOICE, F.RADIO):
        await choose(pilot, wid, str(shown))
    else:
        await type_into(pilot, wid, str(shown))
