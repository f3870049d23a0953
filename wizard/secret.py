"""A value that must never be shown, logged or saved outside its own artifact."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


class SecretSourceError(ValueError):
    """A `{ env = … }` or `{ file = … }` reference that could not be read."""


@dataclass(frozen=True, eq=True)
class Secret:
    """Holds a credential; its repr and str never reveal it.

    `source` says where it came from ("inline", "env:NAME", "file:PATH") so the
    answers file can be written back with the same reference instead of the value.
    """

    value: str
    source: str = "inline"

    def reveal(self) -> str:
        return self.value

    def __bool__(self) -> bool:
        return bool(self.value)

    def __repr__(self) -> str:
        return f"Secret({mask(self.value)!r}, source={self.source!r})"

    __str__ = __repr__

    @classmethod
    def from_answer(cls, raw: object, *, base: Path | None = None) -> Secret:
        """Build from an answers-file value: a string, `{env=NAME}` or `{file=PATH}`."""
        if isinstance(raw, str):
            return cls(raw)
        if isinstance(raw, dict) and set(raw) == {"env"}:
            name = str(raw["env"])
            if name not in os.environ:
                raise SecretSourceError(
                    f"environment variable {name} is not set; export it or give the value inline"
                )
            return cls(os.environ[name], f"env:{name}")
        if isinstance(raw, dict) and set(raw) == {"file"}:
            path = Path(str(raw["file"])).expanduser()
            if base is not None and not path.is_absolute():
                path = base / path
            try:
                text = path.read_text(encoding="utf-8")
            except OSError as exc:
                raise SecretSourceError(
                    f"cannot read {path}: {exc.strerror or exc}; check the path"
                ) from None
            # A trailing newline is an editor habit, never part of a token.
            return cls(text.rstrip("\r\n"), f"file:{raw['file']}")
        raise SecretSourceError(
            'expected a string, { env = "NAME" } or { file = "PATH" }'
        )

    def to_answer(self) -> object:
        """The inverse of `from_answer`: a reference where there was one."""
        kind, _, ref = self.source.partition(":")
        if kind in ("env", "file"):
            return {kind: ref}
        return self.value


def mask(value: str) -> str:
    """Show only enough of a secret to recognise it: its prefix kind and length."""
    if not value:
        return ""
    for prefix in ("glrt-", "glpat-", "GR1348941"):
        if value.startswith(prefix):
            return prefix + "*" * 8
    return "*" * 8


def reveal(value: Secret | None) -> str:
    return value.reveal() if value is not None else ""
