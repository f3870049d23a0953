"""Lint a config.toml against the runner's key table, since the runner ignores mistakes.

`lint_config(text)` returns every finding at once. Each names its place as
"file:line:col" and says what is wrong; a finding may carry a lossless fix, a
function that edits a tomlkit document parsed from the same text, applied
only when the operator accepts it (`apply_fixes`). No fix ever guesses a
unit: a bare number for a memory size has none.
"""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from wizard import keys, sizing, validate
from wizard.problems import Problem
from wizard.secret import mask
from wizard.write.files import SECRET_KEYS, mask_value

log = logging.getLogger(__name__)

Path_ = tuple[str | int, ...]  # a concrete path: table names and array indices
Fix = Callable[[Any], None]  # edits a tomlkit document in place


class MalformedFileError(ValueError):
    """A file the wizard must not touch: it does not parse."""

    def __init__(self, problem: Problem):
        super().__init__(str(problem))
        self.problem = problem


@dataclass(frozen=True)
class Finding:
    """One lint result: where and what, and an optional fix."""

    code: str  # stable id: "unknown-key", "wrong-type", "swallowed-key"…
    problem: Problem
    fix: Fix | None = None
    fix_label: str = ""  # what accepting the fix does, one line
    line: int = 0
    # Fixes that remove array elements run last, from the end, so the indices
    # other fixes navigate by stay valid.
    fix_order: tuple[int, int] = (0, 0)


# --- positions -------------------------------------------------------------

_BARE = re.compile(r"[A-Za-z0-9_\-]+")


@dataclass
class Positions:
    """Where each key and table header of a TOML text is, by concrete path."""

    text: str
    places: dict[Path_, tuple[int, int]]
    headers: list[tuple[Path_, int, int, bool]]  # path, line, col, is array element

    def find(self, path: Path_) -> tuple[int, int]:
        """The line and column of `path`, or of its nearest known ancestor."""
        path = tuple(path)
        while path:
            if path in self.places:
                return self.places[path]
            path = path[:-1]
        return (1, 1)

    def indent_of(self, line: int) -> str:
        lines = self.text.splitlines()
        if 0 < line <= len(lines):
            text = lines[line - 1]
            return text[: len(text) - len(text.lstrip())]
        return ""


def _parse_key(text: str, i: int) -> tuple[list[str], int]:
    """A dotted key starting at `i`: its parts unquoted, and where it ends."""
    parts: list[str] = []
    n = len(text)
    while i < n:
        while i < n and text[i] in " \t":
            i += 1
        if i >= n:
            break
        c = text[i]
        if c == '"':
            j = i + 1
            buf = []
            while j < n and text[j] not in '"\n':
                if text[j] == "\\" and j + 1 < n:
                    buf.append(_unescape(text[j : j + 2]))
                    j += 2
                    continue
                buf.append(text[j])
                j += 1
            parts.append("".join(buf))
            i = j + 1
        elif c == "'":
            j = text.find("'", i + 1)
            j = n if j < 0 else j
            parts.append(text[i + 1 : j])
            i = j + 1
        else:
            m = _BARE.match(text, i)
            if not m:
                break
            parts.append(m.group(0))
            i = m.end()
        while i < n and text[i] in " \t":
            i += 1
        if i < n and text[i] == ".":
            i += 1
            continue
        break
    return parts, i


def _unescape(pair: str) -> str:
    return {'\\"': '"', "\\\\": "\\", "\\n": "\n", "\\t": "\t"}.get(pair, pair[1])


def _skip_to_eol(text: str, i: int) -> int:
    j = text.find("\n", i)
    return len(text) if j < 0 else j + 1


def _skip_value(text: str, i: int) -> int:
    """Past the value that starts at `i` (arrays and strings may span lines)."""
    n = len(text)
    depth = 0
    while i < n:
        c = text[i]
        if c in "\"'":
            if text.startswith(c * 3, i):
                j = text.find(c * 3, i + 3)
                while j > 0 and c == '"' and _escaped(text, j):
                    j = text.find(c * 3, j + 1)
                j = n if j < 0 else j + 3
                while j < n and text[j] == c:
                    j += 1
                i = j
                continue
            j = i + 1
            while j < n and text[j] not in (c, "\n"):
                j += 2 if (c == '"' and text[j] == "\\") else 1
            i = j + 1
            continue
        if c == "#":
            i = text.find("\n", i)
            if i < 0:
                return n
            continue
        if c in "[{":
            depth += 1
        elif c in "]}":
            depth -= 1
        elif c == "\n" and depth <= 0:
            return i + 1
        i += 1
    return n


def _escaped(text: str, j: int) -> bool:
    k = j - 1
    count = 0
    while k >= 0 and text[k] == "\\":
        count += 1
        k -= 1
    return count % 2 == 1


def scan_positions(text: str) -> Positions:
    """Map every key and header to its line and column (1-based).

    Works on text that does not parse, too, so a parse error can name both
    places of a table defined twice.
    """
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def pos(i: int) -> tuple[int, int]:
        line = bisect.bisect_right(starts, i)
        return line, i - starts[line - 1] + 1

    places: dict[Path_, tuple[int, int]] = {}
    headers: list[tuple[Path_, int, int, bool]] = []
    aot_count: dict[Path_, int] = {}
    current: Path_ = ()
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] in " \t\r":
            i += 1
        if i >= n:
            break
        c = text[i]
        if c == "\n":
            i += 1
            continue
        if c == "#":
            i = _skip_to_eol(text, i)
            continue
        start = i
        if c == "[":
            is_aot = text.startswith("[[", i)
            parts, i = _parse_key(text, i + (2 if is_aot else 1))
            concrete: Path_ = ()
            for seg in parts[:-1] if is_aot else parts:
                concrete += (seg,)
                if concrete in aot_count:
                    concrete += (aot_count[concrete] - 1,)
            if is_aot and parts:
                concrete += (parts[-1],)
                index = aot_count.get(concrete, 0)
                aot_count[concrete] = index + 1
                places.setdefault(concrete, pos(start))
                concrete += (index,)
            headers.append((concrete, *pos(start), is_aot))
            places.setdefault(concrete, pos(start))
            current = concrete
            i = _skip_to_eol(text, i)
            continue
        parts, i = _parse_key(text, i)
        if not parts or i >= n or text[i] != "=":
            i = _skip_to_eol(text, i)
            continue
        for k in range(1, len(parts) + 1):
            places.setdefault(current + tuple(parts[:k]), pos(start))
        i = _skip_value(text, i + 1)
    return Positions(text, places, headers)


# --- parsing ---------------------------------------------------------------

_AT = re.compile(r"\s+at line (\d+) col (\d+)\s*$")
_YAML_COLON = re.compile(r"""^\s*(?:"[^"]*"|'[^']*'|[A-Za-z0-9_.\-]+)\s*:(?!//)""")
_KEY_BEFORE_EQ = re.compile(r"""^\s*([^"'\s=#\[][^=]*?)\s*=""")


def parse_config(text: str, filename: str = "config.toml") -> Any:
    """Parse with tomlkit; raise MalformedFileError naming file, line, column and fix."""
    import tomlkit
    from tomlkit.exceptions import ParseError

    if text.startswith("\ufeff"):
        raise MalformedFileError(
            Problem(
                f"{filename}:1:1",
                "the file starts with a byte-order mark; save it as UTF-8 without BOM",
            )
        )
    try:
        return tomlkit.parse(text)
    except ParseError as exc:
        raise MalformedFileError(parse_problem(text, exc, filename)) from None


def key_set_twice(text: str, line: int, key: str = "") -> tuple[int, int] | None:
    """For a key defined twice, the lines (1-based) of both definitions.

    The second is the last line at or before `line` setting `key` (or the
    key of line `line`); the first is found looking back in the same table,
    up to its header. None when the pair is not found that way.
    """
    lines = text.splitlines()
    line = min(line, len(lines))
    if line < 1:
        return None
    if not key:
        m = _KEY_BEFORE_EQ.match(lines[line - 1])
        key = m.group(1).strip() if m else ""
    if not key:
        return None

    def sets_key(number: int) -> bool:
        src = lines[number - 1].strip()
        return src.startswith(key) and src[len(key) :].lstrip().startswith("=")

    found = []
    for number in range(line, 0, -1):
        if sets_key(number):
            found.append(number)
            if len(found) == 2:
                return found[1], found[0]
        elif lines[number - 1].strip().startswith("[") and found:
            return None
    return None


def parse_problem(text: str, exc: Exception, filename: str) -> Problem:
    """Turn a tomlkit ParseError into a Problem with position and a plain hint."""
    raw = str(exc)
    what = _AT.sub("", raw).rstrip(".")
    line = int(getattr(exc, "line", 0) or 0)
    col = int(getattr(exc, "col", 0) or 0) + 1  # tomlkit counts columns from 0
    lines = text.splitlines()
    src = lines[line - 1] if 0 < line <= len(lines) else ""

    if "already exists" in raw:
        dup = _duplicate_table(text)
        if dup is not None:
            name, first, second = dup
            return Problem(
                f"{filename}:{second[0]}:{second[1]}",
                f"table [{name}] is defined twice, at line {first[0]} and line "
                f"{second[0]}; merge the two blocks into one (the runner refuses "
                "the whole file)",
            )
    dup_key = re.match(r'Key "([^"]+)" already exists', raw)
    twice = key_set_twice(text, line, dup_key.group(1)) if dup_key else None
    if twice is not None:
        first, second = twice
        return Problem(
            f"{filename}:{second}:1",
            f"{dup_key.group(1)} is set twice, at line {first} and line {second}; "
            "keep one (the runner refuses the whole file)",
        )
    m = _KEY_BEFORE_EQ.match(src)
    if (
        m
        and not _YAML_COLON.match(src)
        and not re.fullmatch(r"[A-Za-z0-9_.\-\s]+", m.group(1))
    ):
        key = m.group(1)
        hint = (
            "annotation and label names must be quoted"
            if "/" in key
            else "a key with characters other than letters, digits, '_' and '-' must be quoted"
        )
        return Problem(
            f"{filename}:{line}:{col}",
            f'{what}: {hint}: write "{key}" = …',
        )
    if _YAML_COLON.match(src) and "=" not in src.split(":", 1)[0]:
        key = src.split(":", 1)[0].strip()
        value = src.split(":", 1)[1].strip()
        if key.strip("\"'").lower() in SECRET_KEYS:
            value = mask_value(value)  # the message may reach a log or a screen
        return Problem(
            f"{filename}:{line}:{col}",
            f"{what}: TOML uses '=' between a key and its value, not ':' "
            f"(a YAML habit): write {key} = {value}",
        )
    return Problem(
        f"{filename}:{line}:{col}", f"{what}; the runner cannot load this file"
    )


def _duplicate_table(text: str) -> tuple[str, tuple[int, int], tuple[int, int]] | None:
    seen: dict[Path_, tuple[int, int]] = {}
    for path, line, col, is_aot in scan_positions(text).headers:
        if is_aot:
            continue
        if path in seen:
            name = ".".join(str(p) for p in path if not isinstance(p, int))
            return name, seen[path], (line, col)
        seen[path] = (line, col)
    return None


# --- the linter ------------------------------------------------------------

_QUANTITY_KEY = re.compile(
    r"^(?:service_|helper_|pod_)?(cpu|memory|ephemeral_storage)_(?:request|limit)"
    r"(?:_overwrite_max_allowed)?$"
)
_QUANTITY = re.compile(
    r"^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+|Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E)?$"
)
_DURATION = re.compile(r"^[+-]?(?:(?:\d+(?:\.\d*)?|\.\d+)(?:ns|us|µs|ms|s|m|h))+$|^0$")


def toml_type_name(value: Any) -> str:
    """The TOML type of a parsed value, in the key table's words."""
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, float):
        return "float"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return "datetime"
    if isinstance(value, dict):
        return "table"
    if isinstance(value, list):
        if value and all(isinstance(v, dict) for v in value):
            return "array of tables"
        return "array"
    return type(value).__name__


def _dotted(path: Path_) -> str:
    out = []
    for p in path:
        if isinstance(p, int):
            out[-1] += f"[{p}]"
        elif _BARE.fullmatch(p):
            out.append(p)
        else:
            out.append(f'"{p}"')
    return ".".join(out)


def _number_text(value: int | float) -> str:
    return str(value) if isinstance(value, int) else repr(value)


class _Linter:
    def __init__(self, text: str, doc: Any, filename: str):
        self.text = text
        self.data = doc.unwrap()
        self.pos = scan_positions(text)
        self.filename = filename
        self.findings: list[Finding] = []

    def add(
        self,
        code: str,
        path: Path_,
        message: str,
        level: str = "error",
        fix: Fix | None = None,
        fix_label: str = "",
        fix_order: tuple[int, int] = (0, 0),
    ) -> None:
        line, col = self.pos.find(path)
        where = f"{self.filename}:{line}:{col}"
        problem = Problem(where, f"{_dotted(path)}: {message}", level)
        self.findings.append(Finding(code, problem, fix, fix_label, line, fix_order))

    # walking

    def walk(self, node: dict, cpath: Path_, kpath: str) -> None:
        for name, value in node.items():
            child_k = f"{kpath}.{name}" if kpath else name
            info = keys.lookup(child_k)
            if info is None:
                canonical = self._case_insensitive(kpath, name)
                if canonical is not None:
                    child_k = f"{kpath}.{canonical}" if kpath else canonical
                    info = keys.lookup(child_k)
            if info is None:
                self.unknown(node, cpath, kpath, name)
                continue
            if info.deprecated == "removed":
                self.add(
                    "removed-key",
                    cpath + (name,),
                    "the runner no longer reads this key (removed); delete it",
                    "warning",
                )
            elif info.deprecated == "yes":
                self.add(
                    "deprecated-key",
                    cpath + (name,),
                    "deprecated: still read, but due to go; see the runner docs for "
                    "its replacement",
                    "warning",
                )
            self.check(value, info.toml_type, cpath + (name,), child_k)

    def _case_insensitive(self, kpath: str, name: str) -> str | None:
        # The runner matches key names case-insensitively after an exact try.
        for known in keys.children(kpath):
            if known.lower() == name.lower():
                return known
        return None

    def unknown(self, node: dict, cpath: Path_, kpath: str, name: str) -> None:
        parent_k = kpath.rsplit(".", 1)[0] if "." in kpath else ""
        parent_c = cpath[:-1]
        while parent_c and isinstance(parent_c[-1], int):
            parent_c = parent_c[:-1]
        if kpath and keys.lookup(f"{parent_k}.{name}" if parent_k else name):
            parent = self._node(parent_c)
            table = kpath.rsplit(".", 1)[-1]
            header = f"[{_dotted(_names(cpath))}]"
            movable = isinstance(parent, dict) and name not in parent
            self.add(
                "swallowed-key",
                cpath + (name,),
                f"{name} sits below the {header} header, so it belongs to "
                f"{table} and the runner ignores it; it belongs in "
                f"[{_dotted(_names(parent_c))}], above {header}",
                "error",
                _move_up_fix(cpath, name) if movable else None,
                f"move {name} into [{_dotted(_names(parent_c))}]",
            )
            return
        known = keys.children(kpath)
        lowered = {k.lower(): k for k in known}
        close = difflib.get_close_matches(name.lower(), list(lowered), n=1, cutoff=0.6)
        if close:
            nearest = lowered[close[0]]
            taken = nearest.lower() in {str(k).lower() for k in node}
            fix = None if taken else _rename_fix(cpath, name, nearest)
            self.add(
                "unknown-key",
                cpath + (name,),
                f"unknown key, ignored by the runner; did you mean {nearest}?",
                "warning",
                fix,
                f"rename {name} to {nearest}",
            )
        else:
            where = f"[{_dotted(_names(cpath))}]" if cpath else "the top level"
            self.add(
                "unknown-key",
                cpath + (name,),
                f"unknown key in {where}, ignored by the runner; check the spelling",
                "warning",
            )

    def _node(self, cpath: Path_) -> Any:
        node: Any = self.data
        for p in cpath:
            node = node[p]
        return node

    def check(self, value: Any, ttype: str, cpath: Path_, kpath: str) -> None:
        found = toml_type_name(value)
        if ttype == "any":
            return
        if ttype == "table":
            if isinstance(value, dict):
                self.walk(value, cpath, kpath)
            elif found == "array of tables" and len(value) == 1:
                self.add(
                    "wrong-type",
                    cpath,
                    "found an array of tables ([[…]]), expected one table ([…])",
                    fix=_aot_to_table_fix(cpath),
                    fix_label="turn the single [[…]] entry into a [...] table",
                )
            else:
                self.add("wrong-type", cpath, f"found {found}, expected a table")
            return
        if ttype == "array-of-tables":
            if isinstance(value, list) and all(isinstance(v, dict) for v in value):
                for i, item in enumerate(value):
                    self.walk(item, cpath + (i,), kpath)
            elif isinstance(value, dict):
                self.add(
                    "wrong-type",
                    cpath,
                    "found a table ([…]), expected an array of tables ([[…]]): the "
                    "runner refuses the file",
                    fix=_table_to_aot_fix(cpath),
                    fix_label=f"write the header as [[{_dotted(_names(cpath))}]]",
                )
                self.walk(value, cpath, kpath)
            else:
                self.add(
                    "wrong-type", cpath, f"found {found}, expected an array of tables"
                )
            return
        if ttype.startswith("table<"):
            self.check_map(value, ttype[6:-1], cpath, kpath)
            return
        if ttype.startswith("array<") or ttype == "string|array<string>":
            inner = "string" if ttype == "string|array<string>" else ttype[6:-1]
            if ttype == "string|array<string>" and isinstance(value, str):
                return
            if isinstance(value, list):
                for item in value:
                    if not self._scalar_ok(item, inner):
                        self.add(
                            "wrong-type",
                            cpath,
                            f"an element is {toml_type_name(item)}, expected {inner}",
                        )
                        break
            elif isinstance(value, str) and inner == "string":
                self.add(
                    "wrong-type",
                    cpath,
                    "found a string, expected an array of strings: the runner "
                    "refuses the file",
                    fix=_set_fix(cpath, [value]),
                    # The value itself is left out: an environment entry may
                    # hold a password.
                    fix_label="wrap the string in [ ] to make a one-entry array",
                )
            else:
                self.add("wrong-type", cpath, f"found {found}, expected {ttype}")
            return
        self.check_scalar(value, ttype, cpath, kpath)

    def _scalar_ok(self, value: Any, ttype: str) -> bool:
        if ttype == "string":
            return isinstance(value, str)
        if ttype == "integer":
            return isinstance(value, int) and not isinstance(value, bool)
        if ttype == "float":
            return isinstance(value, int | float) and not isinstance(value, bool)
        if ttype == "boolean":
            return isinstance(value, bool)
        if ttype == "datetime":
            return isinstance(value, dt.datetime | str)
        if ttype == "duration":
            return isinstance(value, str | int) and not isinstance(value, bool)
        return True

    def check_scalar(self, value: Any, ttype: str, cpath: Path_, kpath: str) -> None:
        found = toml_type_name(value)
        name = kpath.rsplit(".", 1)[-1]
        if ttype == "string" and _QUANTITY_KEY.match(name):
            self.check_quantity(value, cpath, name)
            return
        if ttype == "duration":
            self.check_duration(value, cpath)
            return
        if self._scalar_ok(value, ttype):
            return
        fix: Fix | None = None
        label = ""
        if ttype == "string" and isinstance(value, bool):
            new: Any = "true" if value else "false"
            fix, label = _set_fix(cpath, new), f'write "{new}"'
        elif ttype == "string" and isinstance(value, int | float):
            new = _number_text(value)
            fix, label = _set_fix(cpath, new), f'write "{new}"'
        elif ttype == "integer" and _integral(value):
            fix, label = _set_fix(cpath, int(value)), f"write {int(value)}"
        elif ttype == "float" and isinstance(value, str) and _is_float(value):
            fix, label = _set_fix(cpath, float(value)), f"write {float(value)!r}"
        elif (
            ttype == "boolean"
            and isinstance(value, str)
            and value.lower() in ("true", "false")
        ):
            new = value.lower() == "true"
            fix, label = _set_fix(cpath, new), f"write {value.lower()}"
        self.add(
            "wrong-type",
            cpath,
            f"found {found}, expected {ttype}: the runner refuses the file",
            fix=fix,
            fix_label=label,
        )

    def check_quantity(self, value: Any, cpath: Path_, name: str) -> None:
        if isinstance(value, str):
            if not _QUANTITY.match(value):
                self.add(
                    "bad-quantity",
                    cpath,
                    f'"{value}" is not a Kubernetes quantity; write e.g. '
                    + (
                        '"500m" or "2"'
                        if name.startswith(
                            ("cpu", "service_cpu", "helper_cpu", "pod_cpu")
                        )
                        else '"512Mi" or "4Gi"'
                    ),
                )
            return
        if isinstance(value, int | float) and not isinstance(value, bool):
            if "cpu" in name:
                new = _number_text(value)
                self.add(
                    "wrong-type",
                    cpath,
                    "found a number, expected a Kubernetes quantity string: the "
                    "runner refuses the file",
                    fix=_set_fix(cpath, new),
                    fix_label=f'write "{new}" (the same number of CPUs)',
                )
            else:
                self.add(
                    "wrong-type",
                    cpath,
                    f"found the bare number {value}, expected a quantity string "
                    'with a unit such as "512Mi" or "4Gi"; the unit cannot be '
                    "guessed, so write it yourself",
                )
            return
        self.add(
            "wrong-type",
            cpath,
            f"found {toml_type_name(value)}, expected a quantity string",
        )

    def check_duration(self, value: Any, cpath: Path_) -> None:
        if isinstance(value, bool) or not isinstance(value, int | str):
            self.add(
                "wrong-type",
                cpath,
                f"found {toml_type_name(value)}, expected a duration string",
            )
        elif isinstance(value, int):
            if value != 0:
                self.add(
                    "bare-duration",
                    cpath,
                    f"a bare integer is read as nanoseconds ({value}ns); write a "
                    'string with its unit, such as "30s" or "15m"',
                    "warning",
                )
        elif not _DURATION.match(value):
            self.add(
                "bad-duration",
                cpath,
                f'"{value}" is not a duration; write a number with a unit '
                '(ns, us, ms, s, m, h), such as "30s" or "1h30m"',
            )

    def check_map(self, value: Any, inner: str, cpath: Path_, kpath: str) -> None:
        if isinstance(value, list):
            pairs = [v.split("=", 1) for v in value if isinstance(v, str) and "=" in v]
            lossless = (
                inner == "string"
                and len(pairs) == len(value)
                and len({k for k, _ in pairs}) == len(pairs)
                and not kpath.endswith("node_tolerations")  # its keys hold '=' too
            )
            self.add(
                "wrong-type",
                cpath,
                'found an array, expected a table of "name" = "value": the runner '
                "refuses the file",
                fix=_set_inline_table_fix(cpath, dict(pairs)) if lossless else None,
                fix_label='write it as an inline table { "name" = "value", … }',
            )
            return
        if not isinstance(value, dict):
            self.add(
                "wrong-type", cpath, f"found {toml_type_name(value)}, expected a table"
            )
            return
        for name, item in value.items():
            if (
                isinstance(item, dict)
                and inner != "any"
                and not inner.startswith("table")
            ):
                leaves = _flatten(item, name)
                if leaves and all(self._scalar_ok(v, inner) for _, v in leaves):
                    flat = ", ".join(f'"{k}"' for k, _ in leaves)
                    line = self.pos.find(cpath + (name,))[0]
                    self.add(
                        "unquoted-dotted-key",
                        cpath + (name,),
                        f"an unquoted dotted name became nested tables; quote it: {flat}",
                        fix=_flatten_fix(cpath, name, self.pos.indent_of(line)),
                        fix_label=f"quote the name as {flat}",
                    )
                    continue
            if inner == "any" or self._scalar_ok(
                item, inner.removeprefix("array<").removesuffix(">")
            ):
                continue
            fix = None
            label = ""
            if inner == "string" and isinstance(item, int | float | bool):
                new = (
                    _number_text(item)
                    if not isinstance(item, bool)
                    else str(item).lower()
                )
                fix, label = _set_fix(cpath + (name,), new), f'write "{new}"'
            self.add(
                "wrong-type",
                cpath + (name,),
                f"found {toml_type_name(item)}, expected {inner}"
                + (
                    "; every value in this table must be quoted"
                    if inner == "string"
                    else ""
                ),
                fix=fix,
                fix_label=label,
            )

    # whole-file checks

    def runners(self) -> None:
        runners = self.data.get("runners")
        if not isinstance(runners, list):
            return
        by_token: dict[str, list[int]] = {}
        for i, runner in enumerate(runners):
            if not isinstance(runner, dict):
                continue
            if not runner:
                self.add(
                    "empty-runner",
                    ("runners", i),
                    f"runner entry #{i + 1} is empty; the runner skips it, and "
                    "re-running a setup tool leaves such entries behind: remove it",
                    "warning",
                    _remove_runner_fix(i),
                    f"remove the empty entry #{i + 1}",
                    (1, -i),
                )
            token = runner.get("token")
            if isinstance(token, str) and token:
                by_token.setdefault(token, []).append(i)
        for token, indices in by_token.items():
            if len(indices) < 2:
                continue
            first = indices[0]
            first_line = self.pos.find(("runners", first))[0]
            for i in indices[1:]:
                same = runners[i] == runners[first]
                self.add(
                    "shared-token",
                    ("runners", i),
                    f"entry #{i + 1} ({runners[i].get('name', 'no name')}) uses the same "
                    f"token {mask(token)} as entry #{first + 1} "
                    f"({runners[first].get('name', 'no name')}, line {first_line}); "
                    "GitLab sees one runner and the two fight over its jobs"
                    + (
                        "; this entry is an exact copy: remove it"
                        if same
                        else "; give one of them its own runner token"
                    ),
                    "error",
                    _remove_runner_fix(i) if same else None,
                    f"remove the duplicate entry #{i + 1}" if same else "",
                    (1, -i),
                )

    def concurrency(self) -> None:
        runners = self.data.get("runners")
        if not isinstance(runners, list):
            return
        concurrent = self.data.get("concurrent", 1)
        if not isinstance(concurrent, int) or isinstance(concurrent, bool):
            return
        limits = []
        for i, runner in enumerate(runners):
            if not isinstance(runner, dict):
                continue
            limit = runner.get("limit", 0)
            if (
                isinstance(limit, int)
                and not isinstance(limit, bool)
                and limit > concurrent
            ):
                limits.append((i, runner, limit))
        if concurrent < 1:
            self.add(
                "concurrent",
                ("concurrent",),
                f"concurrent = {concurrent} lets no job run; set it to at least 1",
            )
            return
        for i, runner, limit in limits:
            self.add(
                "concurrent",
                ("runners", i, "limit"),
                f"limit = {limit} on {runner.get('name', f'entry #{i + 1}')}, but "
                f"concurrent = {concurrent} caps every runner in this file: at most "
                f"{concurrent} job(s) run at a time; raise concurrent",
                "warning",
                _set_fix(("concurrent",), limit),
                f"raise concurrent to {limit}",
            )

    def annotations(self) -> None:
        runners = self.data.get("runners")
        if not isinstance(runners, list):
            return
        for i, runner in enumerate(runners):
            kube = runner.get("kubernetes") if isinstance(runner, dict) else None
            if not isinstance(kube, dict):
                continue
            ann = kube.get("pod_annotations")
            if isinstance(ann, dict):
                self.check_annotations(
                    ann, ("runners", i, "kubernetes", "pod_annotations"), kube
                )
            labels = kube.get("pod_labels")
            if isinstance(labels, dict):
                self.check_labels(labels, ("runners", i, "kubernetes", "pod_labels"))

    def check_annotations(self, ann: dict, cpath: Path_, kube: dict) -> None:
        for name, value in ann.items():
            here = cpath + (name,)
            if name.startswith(ECI_PREFIX) and name not in ECI_ANNOTATIONS:
                close = difflib.get_close_matches(
                    name, list(ECI_ANNOTATIONS), n=1, cutoff=0.8
                )
                if close:
                    self.add(
                        "unknown-annotation",
                        here,
                        f"unknown ECI annotation, ignored silently by ECI; did you "
                        f"mean {close[0]}?",
                        "error",
                        _rename_fix(cpath, name, close[0])
                        if close[0] not in ann
                        else None,
                        f"rename to {close[0]}",
                    )
                elif name[len(ECI_PREFIX) :].startswith(("eci-", "eip-")):
                    self.add(
                        "unknown-annotation",
                        here,
                        "not an ECI annotation this wizard knows; ECI ignores names "
                        "it does not know, so check the spelling",
                        "warning",
                    )
                continue
            check = ECI_ANNOTATIONS.get(name) or ACS_ANNOTATIONS.get(name)
            if check is None or not isinstance(value, str):
                continue
            message = check(value)
            if message:
                self.add("bad-annotation", here, message)
        strategy = ann.get(ECI_PREFIX + "eci-spot-strategy")
        limit = ann.get(ECI_PREFIX + "eci-spot-price-limit")
        if strategy == "SpotWithPriceLimit" and limit is None:
            self.add(
                "bad-annotation",
                cpath + (ECI_PREFIX + "eci-spot-strategy",),
                "SpotWithPriceLimit needs k8s.aliyun.com/eci-spot-price-limit (an "
                "hourly price, at most 3 decimals); or use SpotAsPriceGo to follow "
                "the market price",
            )
        elif strategy == "SpotWithPriceLimit":
            self.add(
                "spot-cap",
                cpath + (ECI_PREFIX + "eci-spot-strategy",),
                f"caps the price at {limit} per hour: when the market price is "
                "higher, pods are not created or are reclaimed; SpotAsPriceGo "
                "follows the market price instead",
                "warning",
            )
        elif limit is not None and strategy != "SpotWithPriceLimit":
            self.add(
                "bad-annotation",
                cpath + (ECI_PREFIX + "eci-spot-price-limit",),
                "a price limit only applies with eci-spot-strategy = "
                '"SpotWithPriceLimit"; ECI ignores it here',
                "warning",
            )
        specs = ann.get(ECI_PREFIX + "eci-use-specs")
        if isinstance(specs, str):
            self.check_arch(specs, cpath + (ECI_PREFIX + "eci-use-specs",), kube)

    def check_arch(self, specs: str, here: Path_, kube: dict) -> None:
        types = [s.strip() for s in specs.split(",") if s.strip().startswith("ecs.")]
        arm = [t for t in types if sizing.is_arm_instance_type(t)]
        if not arm:
            return
        if len(arm) != len(types):
            self.add(
                "arch",
                here,
                "mixes ARM and x86 instance types; a pod's images work on one "
                "architecture only, so list one kind",
            )
            return
        helper = kube.get("helper_image", "")
        if isinstance(helper, str) and "x86_64" in helper:
            self.add(
                "arch",
                here,
                "ARM instance types with an x86_64 helper_image: the helper dies "
                "with 'exec format error'; use the arm64 helper tag",
            )
        selector = kube.get("node_selector")
        if not (
            isinstance(selector, dict) and selector.get("kubernetes.io/arch") == "arm64"
        ):
            self.add(
                "arch",
                here,
                'ARM instance types without node_selector "kubernetes.io/arch" = '
                '"arm64": the pod may land on an x86 virtual node',
                "warning",
            )

    def check_labels(self, labels: dict, cpath: Path_) -> None:
        for name, allowed in ACS_LABELS.items():
            value = labels.get(name)
            if isinstance(value, str) and value not in allowed:
                self.add(
                    "bad-label",
                    cpath + (name,),
                    f'"{value}" is not one of: {", ".join(allowed)}',
                )


def _names(cpath: Path_) -> Path_:
    return tuple(p for p in cpath if not isinstance(p, int))


def _integral(value: Any) -> bool:
    if isinstance(value, str):
        return re.fullmatch(r"[+-]?\d+", value) is not None
    return isinstance(value, float) and value.is_integer()


def _is_float(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


def _flatten(node: dict, prefix: str) -> list[tuple[str, Any]]:
    out = []
    for k, v in node.items():
        if isinstance(v, dict):
            out.extend(_flatten(v, f"{prefix}.{k}"))
        else:
            out.append((f"{prefix}.{k}", v))
    return out


# --- ECI and ACS names ------------------------------------------------------

ECI_PREFIX = "k8s.aliyun.com/"


def _one_of(*allowed: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        return (
            "" if value in allowed else f'"{value}" is not one of: {", ".join(allowed)}'
        )

    return check


def _matches(pattern: str, what: str) -> Callable[[str], str]:
    rx = re.compile(pattern)

    def check(value: str) -> str:
        return "" if rx.fullmatch(value) else f'"{value}" is not {what}'

    return check


def _specs(value: str) -> str:
    # The same rule the screens and the answers file use, so the two never drift.
    return validate.check_specs(value, kind="ask") or ""


def _price(value: str) -> str:
    return validate.check_price_limit(value) or ""


_BOOL = _one_of("true", "false")
ECI_ANNOTATIONS: dict[str, Callable[[str], str]] = {
    ECI_PREFIX + "eci-spot-strategy": _one_of("SpotAsPriceGo", "SpotWithPriceLimit"),
    ECI_PREFIX + "eci-spot-price-limit": _price,
    ECI_PREFIX + "eci-spot-duration": _matches(r"\d+", "a whole number of hours"),
    ECI_PREFIX + "eci-spot-fallback": _BOOL,
    ECI_PREFIX + "eci-use-specs": _specs,
    ECI_PREFIX + "eci-auto-imc": _BOOL,
    ECI_PREFIX + "eci-imc-id": _matches(
        r"imc-[A-Za-z0-9]+", "an image cache id (imc-…)"
    ),
    ECI_PREFIX + "eci-image-cache": _BOOL,
    ECI_PREFIX + "eci-image-snapshot-id": _matches(
        r"imc-[A-Za-z0-9]+", "an image cache id (imc-…)"
    ),
    ECI_PREFIX + "eci-with-eip": _BOOL,
    ECI_PREFIX + "eip-bandwidth": _matches(r"\d+", "a bandwidth in Mbit/s"),
    ECI_PREFIX + "eci-extra-ephemeral-storage": _matches(
        r"\d+Gi", 'a size such as "50Gi"'
    ),
    ECI_PREFIX + "eci-vswitch": _matches(
        r"vsw-[A-Za-z0-9]+(,vsw-[A-Za-z0-9]+)*", "vSwitch ids"
    ),
    ECI_PREFIX + "eci-security-group": _matches(
        r"sg-[A-Za-z0-9]+", "a security group id"
    ),
    ECI_PREFIX + "eci-ram-role-name": lambda v: "",
    ECI_PREFIX + "eip-instance-id": _matches(r"eip-[A-Za-z0-9]+", "an EIP id"),
}
ACS_ANNOTATIONS: dict[str, Callable[[str], str]] = {
    "alibabacloud.com/pod-required-spec": _matches(
        r"\d+(\.\d+)?-\d+Gi", 'a size such as "2-4Gi"'
    ),
    "alibabacloud.com/extra-ephemeral-storage": _matches(
        r"\d+Gi", 'a size such as "50Gi"'
    ),
}
ACS_LABELS = {
    "alibabacloud.com/compute-class": ("general-purpose", "performance"),
    "alibabacloud.com/compute-qos": ("default", "best-effort"),
}


# --- fixes -------------------------------------------------------------------


def _get(doc: Any, cpath: Path_) -> Any:
    node = doc
    for p in cpath:
        node = node[p]
    return node


def _set_fix(cpath: Path_, value: Any) -> Fix:
    def fix(doc: Any) -> None:
        _get(doc, cpath[:-1])[cpath[-1]] = value

    return fix


def _set_inline_table_fix(cpath: Path_, pairs: dict[str, str]) -> Fix:
    def fix(doc: Any) -> None:
        import tomlkit

        table = tomlkit.inline_table()
        table.update(pairs)
        _get(doc, cpath[:-1])[cpath[-1]] = table

    return fix


def _table_to_aot_fix(cpath: Path_) -> Fix:
    def fix(doc: Any) -> None:
        import tomlkit

        parent = _get(doc, cpath[:-1])
        table = parent[cpath[-1]]
        aot = tomlkit.aot()
        parent[cpath[-1]] = aot
        aot.append(table)

    return fix


def _aot_to_table_fix(cpath: Path_) -> Fix:
    def fix(doc: Any) -> None:
        parent = _get(doc, cpath[:-1])
        parent[cpath[-1]] = parent[cpath[-1]][0]

    return fix


def _remove_runner_fix(index: int) -> Fix:
    def fix(doc: Any) -> None:
        del doc["runners"][index]

    return fix


def _rebuild(table: Any, replace: Callable[[str, Any], list[tuple[str, Any]]]) -> None:
    """Re-add every key of `table` through `replace`, keeping order and layout."""
    items = [(k, table.item(k)) for k in list(table.keys())]
    for k, _ in items:
        table.remove(k)
    _append_all(table, [pair for k, item in items for pair in replace(k, item)])


def _append_all(table: Any, items: list[tuple[str, Any]]) -> None:
    """Append items keeping their own layout, to a table or to the document."""
    # A document has no raw_append, and its append puts a blank line before
    # tables; the layout saved here is put back afterwards.
    add = getattr(table, "raw_append", None) or table.append
    layout = [(t, t.trivia.indent) for t in _trivia_holders(i for _, i in items)]
    for key, item in items:
        add(key, item)
    for holder, indent in layout:
        holder.trivia.indent = indent


def _trivia_holders(items: Iterable[Any]) -> list[Any]:
    from tomlkit.items import AoT

    out = []
    for item in items:
        if isinstance(item, AoT):
            out.extend(item.body)
        elif hasattr(item, "trivia"):
            out.append(item)
    return out


def _rename_fix(cpath: Path_, old: str, new: str) -> Fix:
    def fix(doc: Any) -> None:
        _rebuild(_get(doc, cpath), lambda k, item: [(new if k == old else k, item)])

    return fix


def _move_up_fix(cpath: Path_, name: str) -> Fix:
    def fix(doc: Any) -> None:
        from tomlkit.items import AoT, Table

        sub = _get(doc, cpath)
        parent_path = cpath[:-1]
        while parent_path and isinstance(parent_path[-1], int):
            parent_path = parent_path[:-1]
        parent = _get(doc, parent_path)
        item = sub.item(name)
        sub.remove(name)
        # Values go before the first sub-table, or TOML would give them to it.
        tables = [
            (k, parent.item(k))
            for k in list(parent.keys())
            if isinstance(parent.item(k), Table | AoT)
        ]
        for k, _ in tables:
            parent.remove(k)
        _append_all(parent, [(name, item), *tables])

    return fix


def _flatten_fix(cpath: Path_, name: str, indent: str) -> Fix:
    def fix(doc: Any) -> None:
        import tomlkit

        table = _get(doc, cpath)

        def replace(k: str, item: Any) -> list[tuple[str, Any]]:
            if k != name:
                return [(k, item)]
            out = []
            for dotted, value in _flatten(item.unwrap(), name):
                new = tomlkit.item(value)
                new.trivia.indent = indent
                out.append((dotted, new))
            return out

        _rebuild(table, replace)

    return fix


# --- entry points --------------------------------------------------------------


def lint_config(text: str, filename: str = "config.toml") -> list[Finding]:
    """Every finding in a config.toml text; a parse error is the only finding then."""
    try:
        doc = parse_config(text, filename)
    except MalformedFileError as exc:
        line = int(exc.problem.field.rsplit(":", 2)[-2])
        return [Finding("parse-error", exc.problem, line=line)]
    linter = _Linter(text, doc, filename)
    linter.walk(linter.data, (), "")
    linter.runners()
    linter.concurrency()
    linter.annotations()
    return sorted(linter.findings, key=lambda f: f.line)


def apply_fixes(text: str, findings: Iterable[Finding]) -> str:
    """The text with the fixes of the accepted findings applied, nothing else changed."""
    import tomlkit

    doc = parse_config(text)
    chosen = [f for f in findings if f.fix is not None]
    for finding in sorted(chosen, key=lambda f: f.fix_order):
        if len(chosen) == 1:
            finding.fix(doc)
            continue
        # Two fixes can touch one place (a table turned into [[…]] and a key
        # moved out of it); the later one then finds no place and is skipped.
        # Linting the result again shows what is left.
        try:
            finding.fix(doc)
        except (KeyError, IndexError, AttributeError, TypeError, ValueError):
            log.info("fix skipped, an earlier fix changed its place: %s", finding.code)
    return tomlkit.dumps(doc)
