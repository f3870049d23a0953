"""What a screen asks, as data, and how a typed value lands in the answers model."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from wizard.model import Answers
from wizard.secret import Secret

# Field kinds, each drawn by its own control in screens.widgets.Field.
TEXT = "text"
SECRET = "secret"  # single-line, password Input
MULTILINE_SECRET = "multiline-secret"  # pasted kubeconfig or PEM: a TextArea
LIST = "list"  # comma-separated in one Input
INT = "int"
BOOL = "bool"
CHOICE = "choice"  # a Select
RADIO = "radio"  # a RadioSet: every choice visible, in words


@dataclass(frozen=True)
class FieldSpec:
    """One question on a screen: the answer it fills, its label and its help line."""

    path: str  # "cache.bucket": the answers-model field, also the error path
    label: str
    help: str  # one line: what it is and why it matters
    kind: str = TEXT
    choices: tuple[tuple[str, str], ...] = ()  # (value, words shown)
    placeholder: str = ""
    show_if: Callable[[Answers], bool] | None = None

    @property
    def widget_id(self) -> str:
        return "f-" + self.path.replace(".", "-").replace("_", "-")


class NotANumber(ValueError):
    """A whole-number field holds something else."""


def get_value(answers: Answers, path: str) -> object:
    section, _, name = path.partition(".")
    return getattr(getattr(answers, section), name)


def set_value(answers: Answers, path: str, value: object) -> None:
    section, _, name = path.partition(".")
    setattr(getattr(answers, section), name, value)


def to_model(spec: FieldSpec, raw: object, current: object) -> object:
    """Turn what a control holds into the model's type for this field."""
    if spec.kind in (SECRET, MULTILINE_SECRET):
        text = str(raw)
        if not text.strip():
            return None
        # Keep the original object (and its env/file source) when unchanged.
        if isinstance(current, Secret) and current.reveal() == text:
            return current
        return Secret(text)
    if spec.kind == LIST:
        return [item.strip() for item in str(raw).split(",") if item.strip()]
    if spec.kind == INT:
        text = str(raw).strip()
        try:
            return int(text)
        except ValueError:
            raise NotANumber("enter a whole number, such as 1") from None
    if spec.kind == BOOL:
        return bool(raw)
    return "" if raw is None else str(raw)


def to_control(spec: FieldSpec, value: object) -> object:
    """The inverse of `to_model`: what the control shows for a model value."""
    if spec.kind in (SECRET, MULTILINE_SECRET):
        return value.reveal() if isinstance(value, Secret) else ""
    if spec.kind == LIST:
        return ", ".join(value or [])
    if spec.kind == INT:
        return "" if value is None else str(value)
    if spec.kind == BOOL:
        return bool(value)
    return "" if value is None else str(value)
