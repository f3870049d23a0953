"""A Docker Registry v2 subset with the bearer-token challenge of real registries."""

from __future__ import annotations

import re
import secrets

from servers.base import App

_MANIFEST = re.compile(r"^/v2/(?P<repo>.+)/manifests/(?P<ref>[^/]+)$")


class RegistryApp(App):
    def __init__(self, token_auth: bool = True):
        super().__init__()
        self.token_auth = token_auth
        self.realm = ""  # set once the server's port is known
        self.tags: set[tuple[str, str]] = set()
        self.tokens: set[str] = set()

    def _challenge(self, scope: str = ""):
        params = f'realm="{self.realm}",service="test-registry"'
        if scope:
            params += f',scope="{scope}"'
        return (
            401,
            {
                "WWW-Authenticate": f"Bearer {params}",
                "Docker-Distribution-API-Version": "registry/2.0",
            },
            {
                "errors": [
                    {"code": "UNAUTHORIZED", "message": "authentication required"}
                ]
            },
        )

    def route(self, req, method, path, query, body):
        if path == "/token":
            token = secrets.token_hex(8)
            self.tokens.add(token)
            return 200, {}, {"token": token, "expires_in": 300}
        authed = (
            req.headers.get("Authorization", "").removeprefix("Bearer ") in self.tokens
        )
        if path == "/v2/":
            if self.token_auth and not authed:
                return self._challenge()
            return 200, {"Docker-Distribution-API-Version": "registry/2.0"}, {}
        m = _MANIFEST.match(path)
        if m:
            if self.token_auth and not authed:
                return self._challenge(f"repository:{m['repo']}:pull")
            if (m["repo"], m["ref"]) in self.tags:
                return (
                    200,
                    {
                        "Content-Type": "application/vnd.oci.image.index.v1+json",
                        "Docker-Content-Digest": "sha256:" + "0" * 64,
                    },
                    {"schemaVersion": 2, "manifests": []},
                )
            return (
                404,
                {},
                {
                    "errors": [
                        {"code": "MANIFEST_UNKNOWN", "message": "manifest unknown"}
                    ]
                },
            )
        return 404, {}, {"errors": [{"code": "NOT_FOUND"}]}
