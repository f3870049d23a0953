"""Merging a registry mirror into docker's daemon.json, keeping every other key."""

from __future__ import annotations

import json

from wizard.problems import InvalidAnswers, Problem


def _same(a: str, b: str) -> bool:
    return a.rstrip("/") == b.rstrip("/")


def merge_daemon_json(
    text: str | None, mirror: str, *, name: str = "daemon.json"
) -> str:
    """daemon.json text with `mirror` in registry-mirrors once; other keys kept in order."""
    data: dict = {}
    if text and text.strip():
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise InvalidAnswers(
                [
                    Problem(
                        f"{name}:{exc.lineno}:{exc.colno}",
                        f"not valid JSON ({exc.msg}); fix the file first, nothing was changed",
                    )
                ]
            ) from None
        except RecursionError:
            raise InvalidAnswers(
                [Problem(name, "nested too deeply to be a daemon.json; fix it first")]
            ) from None
        if not isinstance(data, dict):
            raise InvalidAnswers(
                [Problem(name, "expected a JSON object { … }; nothing was changed")]
            )
    mirrors = data.get("registry-mirrors")
    if mirrors is None:
        mirrors = []
    if not isinstance(mirrors, list):
        raise InvalidAnswers(
            [Problem(name, "registry-mirrors should be a list of URLs; fix it first")]
        )
    if not any(isinstance(m, str) and _same(m, mirror) for m in mirrors):
        mirrors = [*mirrors, mirror]
    data["registry-mirrors"] = mirrors
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
