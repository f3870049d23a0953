"""A value that must never be shown, logged or saved outside its own artifact."""

from __future__ import annotations

import os
import stat
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
            return cls(read_secret_file(path), f"file:{raw['file']}")
        raise SecretSourceError(
            'expected a string, { env = "NAME" } or { file = "PATH" }'
        )

    def to_answer(self) -> object:
        """The inverse of `from_answer`: a reference where there was one."""
        kind, _, ref = self.source.partition(":")
        if kind in ("env", "file"):
            return {kind: ref}
        return self.value


# A secret file is a token, a key or a kubeconfig: far below this.
MAX_SECRET_FILE = 1024 * 1024


def read_secret_file(path: Path) -> str:
    """The text of a secret file: a regular UTF-8 file of at most 1 MiB.

    A byte-order mark and one final line break (editor habits, never part of
    a credential) are dropped.
    """
    try:
        info = os.stat(path)
    except OSError as exc:
        raise SecretSourceError(
            f"cannot read {path}: {exc.strerror or exc}; check the path"
        ) from None
    # Opening a FIFO would wait for a writer and /dev/zero never ends: only
    # a regular file is read.
    if not stat.S_ISREG(info.st_mode):
        raise SecretSourceError(f"{path} is not a regular file; give a file's path")
    if info.st_size > MAX_SECRET_FILE:
        raise SecretSourceError(
            f"{path} is {info.st_size} bytes, more than a credential can be "
            "(at most 1 MiB); check the path"
        )
    try:
        with open(path, "rb") as fh:
            data = fh.read(MAX_SECRET_FILE + 1)
    except OSError as exc:
        raise SecretSourceError(
            f"cannot read {path}: {exc.strerror or exc}; check the path"
        ) from None
    if len(data) > MAX_SECRET_FILE:
        raise SecretSourceError(f"{path} grew past 1 MiB while read; check the path")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise SecretSourceError(
            f"{path} is not UTF-8 text (byte {exc.start + 1}); save it as UTF-8"
        ) from None
    text = text.removeprefix("\ufeff")
    if text.endswith("\r\n"):
        return text[:-2]
    return text.removesuffix("\n")


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
