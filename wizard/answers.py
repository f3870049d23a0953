"""The answers file: TOML with one table per step, read strictly and written back.

`dump_answers` is the inverse of `load_answers`, except that a secret given
inline is never written back: only `{ env = … }` / `{ file = … }` references.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime as dt
import difflib
import re
import tomllib
import typing
from pathlib import Path

import tomlkit

from wizard import model
from wizard.lint import toml_type_name
from wizard.model import SECTIONS, Answers
from wizard.problems import InvalidAnswers, Problem
from wizard.secret import Secret, SecretSourceError, read_secret_file

_TYPE_NAMES = {
    str: "a string",
    bool: "true or false",
    int: "a whole number",
    Secret: 'a string, { env = "NAME" } or { file = "PATH" }',
    dt.datetime: "a date-time like 2024-03-01T08:00:00Z",
}


def _field_types(cls) -> dict[str, object]:
    hints = typing.get_type_hints(cls, vars(model))
    return {f.name: hints[f.name] for f in dataclasses.fields(cls)}


def _base_type(hint) -> tuple[object, bool]:
    """(type, optional) for hints like `str`, `Secret | None`, `list[str]`."""
    args = typing.get_args(hint)
    if type(None) in args:
        inner = [a for a in args if a is not type(None)]
        return inner[0], True
    return hint, False


def _nearest(name: str, known) -> str:
    match = difflib.get_close_matches(name, list(known), n=1, cutoff=0.6)
    return f" (did you mean {match[0]}?)" if match else ""


def _convert(path: str, raw: object, hint, base: Path | None, problems: list[Problem]):
    kind, _optional = _base_type(hint)
    origin = typing.get_origin(kind)
    found = (
        f"found {toml_type_name(raw)} {raw!r}"
        if not isinstance(raw, dict)
        else "found a table"
    )
    if kind is Secret:
        try:
            return Secret.from_answer(raw, base=base)
        except SecretSourceError as exc:
            problems.append(Problem(path, str(exc)))
            return None
    if origin is list:
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            problems.append(
                Problem(path, f'expected a list of strings like ["a", "b"], {found}')
            )
            return None
        return list(raw)
    if kind is bool:
        if not isinstance(raw, bool):
            problems.append(Problem(path, f"expected true or false, {found}"))
            return None
        return raw
    if kind is int:
        if isinstance(raw, bool) or not isinstance(raw, int):
            problems.append(Problem(path, f"expected a whole number, {found}"))
            return None
        return raw
    if kind is dt.datetime:
        if isinstance(raw, str):
            with contextlib.suppress(ValueError):
                raw = dt.datetime.fromisoformat(raw.replace("Z", "+00:00"))
        if not isinstance(raw, dt.datetime) or raw.tzinfo is None:
            problems.append(
                Problem(
                    path, f"expected a UTC date-time like 2024-03-01T08:00:00Z, {found}"
                )
            )
            return None
        return raw
    if kind is str:
        if not isinstance(raw, str):
            hint_text = ""
            if isinstance(raw, int | float) and not isinstance(raw, bool):
                hint_text = (
                    f'; quote it: "{raw}" (add the unit you mean, it is not guessed)'
                )
            problems.append(Problem(path, f"expected a string, {found}{hint_text}"))
            return None
        return raw
    raise TypeError(f"no converter for {hint!r}")


# Earlier answers that belong to a value: when a file overlaid on them gives
# that value anew, they are dropped unless the file gives them too (the
# kubeconfig is given one way or the other; a new token has its own id and
# dates, and a registration token replaces the runner token it produced).
_BELONGS_TO = {
    ("cluster", "kubeconfig"): ("kubeconfig_path",),
    ("cluster", "kubeconfig_path"): ("kubeconfig",),
    ("registration", "token"): (
        "runner_token",
        "runner_id",
        "token_obtained_at",
        "token_expires_at",
    ),
    ("registration", "runner_token"): (
        "token",
        "runner_id",
        "token_obtained_at",
        "token_expires_at",
    ),
}


def _plain(value: object) -> object:
    """A secret's value, so the same token given another way counts as unchanged."""
    return value.reveal() if isinstance(value, Secret) else value


def answers_from_data(
    data: dict, *, base: Path | None = None, start: Answers | None = None
) -> tuple[Answers, list[Problem]]:
    """Build Answers from parsed TOML; every structural problem, none raised.

    With `start` (the answers an earlier run left), only the keys `data`
    gives are changed and every other answer is kept.
    """
    answers = copy.deepcopy(start) if start is not None else Answers()
    problems: list[Problem] = []
    for section, table in data.items():
        if section not in SECTIONS:
            problems.append(
                Problem(section, "unknown section" + _nearest(section, SECTIONS))
            )
            continue
        if not isinstance(table, dict):
            problems.append(Problem(section, f"expected a [{section}] table"))
            continue
        target = getattr(answers, section)
        types = _field_types(type(target))
        for key, raw in table.items():
            path = f"{section}.{key}"
            if key not in types:
                problems.append(Problem(path, "unknown key" + _nearest(key, types)))
                continue
            value = _convert(path, raw, types[key], base, problems)
            if value is None:
                continue
            before = getattr(target, key)
            setattr(target, key, value)
            if start is None or _plain(before) == _plain(value):
                continue
            blank = getattr(Answers(), section)
            for other in _BELONGS_TO.get((section, key), ()):
                if other not in table:
                    setattr(target, other, getattr(blank, other))
    return answers, problems


def _toml_error(text: str, exc: tomllib.TOMLDecodeError) -> str:
    """tomllib's message, naming both lines when a key is set twice."""
    from wizard.lint import key_set_twice

    m = re.search(r"at line (\d+), column", str(exc))
    twice = (
        key_set_twice(text, int(m.group(1))) if m and "overwrite" in str(exc) else None
    )
    if twice is None:
        return f"not valid TOML: {exc}"
    return (
        f"not valid TOML: a key is set twice, at line {twice[0]} and line "
        f"{twice[1]}; keep one"
    )


def answers_data(path: str | Path) -> dict:
    """The parsed TOML of an answers file; InvalidAnswers naming the file if unreadable."""
    path = Path(path)
    try:
        # The same limits as a secret file: regular, UTF-8, at most 1 MiB;
        # a byte-order mark some editors add is dropped.
        text = read_secret_file(path)
    except SecretSourceError as exc:
        raise InvalidAnswers([Problem(str(path), str(exc))]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidAnswers([Problem(str(path), _toml_error(text, exc))]) from None
    except RecursionError:
        raise InvalidAnswers(
            [Problem(str(path), "not valid TOML: arrays or tables nested too deeply")]
        ) from None
    return data


def read_answers(
    path: str | Path, *, start: Answers | None = None
) -> tuple[Answers, list[Problem]]:
    """Read an answers file without validating values: structure problems only.

    With `start`, the file is overlaid on those answers (see answers_from_data).
    """
    path = Path(path)
    data = answers_data(path)
    return answers_from_data(data, base=path.parent, start=start)


def changed_answers(before: Answers, after: Answers) -> list[str]:
    """One line per earlier answer the overlay changed or removed, secrets masked."""
    lines = []
    for section in SECTIONS:
        old, new = getattr(before, section), getattr(after, section)
        for f in dataclasses.fields(old):
            was, now = getattr(old, f.name), getattr(new, f.name)
            if was in (None, "", []) or was == now:
                continue
            where = f"{section}.{f.name}"
            if isinstance(was, Secret) or isinstance(now, Secret):
                lines.append(f"{where}: the earlier value was replaced")
            elif now in (None, "", []):
                lines.append(f"{where}: {was!r} was removed")
            else:
                lines.append(f"{where}: changed from {was!r} to {now!r}")
    return lines


def load_answers(path: str | Path) -> Answers:
    """Read and validate an answers file; raise InvalidAnswers listing every error."""
    from wizard.validate import validate_answers

    answers, problems = read_answers(path)
    # Values are validated even when the structure had problems, so one run
    # lists every mistake in the file.
    reported = {p.field for p in problems}  # one message per field
    problems += [
        p
        for p in validate_answers(answers)
        if p.level == "error" and p.field not in reported
    ]
    if problems:
        raise InvalidAnswers(problems)
    return answers


def dump_answers(answers: Answers) -> str:
    """The answers as TOML; inline secrets are left out (a comment says so)."""
    doc = tomlkit.document()
    for section in SECTIONS:
        obj = getattr(answers, section)
        table = tomlkit.table()
        for f in dataclasses.fields(obj):
            value = getattr(obj, f.name)
            if value is None:
                continue
            if isinstance(value, Secret):
                ref = value.to_answer()
                if isinstance(ref, dict):
                    inline = tomlkit.inline_table()
                    inline.update(ref)
                    table.add(f.name, inline)
                elif value:
                    table.add(
                        tomlkit.comment(
                            f"{f.name} was given inline and is not saved; "
                            'use { env = "NAME" } or { file = "PATH" }'
                        )
                    )
                continue
            if isinstance(value, dt.datetime):
                value = value.astimezone(dt.UTC)
            table.add(f.name, value)
        doc.add(section, table)
    return tomlkit.dumps(doc)
