"""Text marks for every state, so nothing depends on colour alone."""

from __future__ import annotations

import os

# Step states, shown in the side list and the step heading.
NOT_VISITED = "not visited"
VALID = "valid"
WARNING = "warning"
ERROR = "error"

_UNICODE = {
    NOT_VISITED: "·",
    VALID: "✓",
    WARNING: "!",
    ERROR: "✗",
    "ok": "✓",
    "running": "…",
    "not checked": "·",
    "current": "▸",
    "arrow": "→",
    "sep": "·",
}
_ASCII = {
    NOT_VISITED: "-",
    VALID: "+",
    WARNING: "!",
    ERROR: "x",
    "ok": "+",
    "running": "~",
    "not checked": "-",
    "current": ">",
    "arrow": "->",
    "sep": "-",
}


def ascii_only(environ: dict[str, str] | None = None) -> bool:
    """True when the terminal's locale cannot be trusted to show UTF-8."""
    env = os.environ if environ is None else environ
    lc_all = env.get("LC_ALL", "")
    lang = env.get("LANG", "")
    ctype = env.get("LC_CTYPE", "")
    # Python coerces a C locale by setting LC_CTYPE=C.UTF-8 in its own
    # environment (PEP 538), which says nothing about what the terminal draws;
    # so a bare C/POSIX LANG wins over that particular LC_CTYPE.
    if not lc_all and lang in ("", "C", "POSIX") and ctype == "C.UTF-8":
        return True
    locale = lc_all or ctype or lang
    return "utf-8" not in locale.lower() and "utf8" not in locale.lower()


def mark(state: str) -> str:
    """The one-character prefix for a step or check state."""
    table = _ASCII if ascii_only() else _UNICODE
    return table.get(state, "?")
