"""A GitLab API subset: version, runner registration, verify and creation."""

from __future__ import annotations

import itertools
import json

from servers.base import App


class GitLabApp(App):
    """Answers like GitLab 17.x; flip `registration_disabled` for the 410 case."""

    def __init__(
        self,
        version: str = "17.3.1",
        registration_tokens: tuple[str, ...] = ("GR1348941registration",),
        runner_tokens: tuple[str, ...] = ("glrt-t3stRunnerToken4567890xyz",),
        personal_tokens: tuple[str, ...] = ("glpat-personal",),
        registration_disabled: bool = False,
    ):
        super().__init__()
        self.version = version
        self.registration_tokens = set(registration_tokens)
        self.runner_tokens = set(runner_tokens)
        self.personal_tokens = set(personal_tokens)
        self.registration_disabled = registration_disabled
        self.ids = itertools.count(100)
        self.registered: list[dict] = []
        self.managers: list[dict] = []

    def route(self, req, method, path, query, body):
        data = json.loads(body) if body else {}
        private = req.headers.get("PRIVATE-TOKEN", "")
        if method == "GET" and path == "/api/v4/version":
            if private not in self.personal_tokens:
                return 401, {}, {"message": "401 Unauthorized"}
            return 200, {}, {"version": self.version, "revision": "abc123"}
        if method == "POST" and path == "/api/v4/runners":
            if self.registration_disabled:
                return 410, {}, {"message": "runner registration disallowed"}
            if data.get("token") not in self.registration_tokens:
                return 403, {}, {"message": "403 Forbidden"}
            return self._new_runner(data)
        if method == "POST" and path == "/api/v4/runners/verify":
            if data.get("token") not in self.runner_tokens:
                return 403, {}, {"message": "403 Forbidden"}
            self.managers.append(
                {"token": data["token"], "system_id": data.get("system_id")}
            )
            return (
                200,
                {},
                {
                    "id": 42,
                    "token": data["token"],
                    "token_expires_at": "2027-01-01T00:00:00.000Z",
                },
            )
        if method == "POST" and path == "/api/v4/user/runners":
            if private not in self.personal_tokens:
                return 401, {}, {"message": "401 Unauthorized"}
            if data.get("runner_type") not in (
                "instance_type",
                "group_type",
                "project_type",
            ):
                return 400, {}, {"error": "runner_type is missing"}
            return self._new_runner(data, prefix="glrt-")
        return 404, {}, {"error": "404 Not Found"}

    def _new_runner(self, data, prefix="t1_"):
        runner_id = next(self.ids)
        token = f"{prefix}issued{runner_id:06d}"
        self.registered.append({**data, "id": runner_id})
        self.runner_tokens.add(token)
        return 201, {}, {"id": runner_id, "token": token, "token_expires_at": None}
