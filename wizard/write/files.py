"""Writing artifacts safely: atomic replace, mode kept or set, secrets 0600."""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Artifact:
    """One file the wizard writes, fully rendered before anything touches disk."""

    path: Path
    content: bytes
    mode: int = 0o644  # for a new file; secrets are always 0o600
    secret: bool = False  # holds credentials: mode 0600, masked in diffs
    label: str = ""  # one line for the review screen: what this file is


def atomic_write(path: Path, data: bytes, mode: int) -> None:
    """Replace `path` with `data` so a reader sees the old or the new file, never half."""
    path.parent.mkdir(parents=True, exist_ok=True)
    # Created 0600 by mkstemp, so a secret is never readable even for a moment.
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
