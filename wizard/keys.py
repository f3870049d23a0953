"""The runner's config.toml key table: every key it reads, with its TOML type."""

from __future__ import annotations

import functools
from importlib import resources
from typing import NamedTuple

TABLE_FILE = "gitlab-runner-config-keys.tsv"


class KeyInfo(NamedTuple):
    """One row of the key table."""

    toml_type: str  # "string", "array<string>", "table<string>", "duration"…
    deprecated: str  # "no", "yes" (still read) or "removed" (ignored)


def parse_key_table(text: str) -> dict[str, KeyInfo]:
    """Parse the TSV text: comment lines start with '#', the first row is a header."""
    table: dict[str, KeyInfo] = {}
    header_seen = False
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        cols = line.split("\t")
        if not header_seen:
            header_seen = True
            if cols[0] == "key":
                continue
        path, toml_type = cols[0], cols[1]
        deprecated = cols[2] if len(cols) > 2 else "no"
        table[path] = KeyInfo(toml_type, deprecated)
    return table


@functools.cache
def key_table() -> dict[str, KeyInfo]:
    """The table shipped with the package, parsed once."""
    text = resources.files("wizard").joinpath("data", TABLE_FILE).read_text("utf-8")
    return parse_key_table(text)


def lookup(path: str) -> KeyInfo | None:
    """The row for a dotted path without array indices, or None when unknown."""
    return key_table().get(path)


@functools.cache
def children(path: str) -> tuple[str, ...]:
    """Names of the known keys directly below a table path ("" for the top level)."""
    prefix = f"{path}." if path else ""
    names = []
    for key in key_table():
        if key.startswith(prefix):
            rest = key[len(prefix) :]
            if rest and "." not in rest:
                names.append(rest)
    return tuple(names)
