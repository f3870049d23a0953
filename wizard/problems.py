"""The one shape every validation, lint and check error takes."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One thing wrong: where (a field path or a file:line), what, and the fix."""

    field: str  # "cache.bucket", or "config.toml:12:5" for a file position
    message: str  # says what is wrong and how to fix it, in one line
    level: str = "error"  # "error" blocks writing; "warning" does not

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class InvalidAnswers(Exception):
    """Raised with every problem found, never just the first one."""

    def __init__(self, problems: list[Problem]):
        super().__init__("\n".join(str(p) for p in problems))
        self.problems = problems
