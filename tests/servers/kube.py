"""A Kubernetes API subset over HTTPS, with client-certificate and bearer-token auth."""

from __future__ import annotations

import json
import re

import yaml

from servers.base import App

ALL = "*"


def status(code: int, reason: str, message: str) -> tuple[int, dict, dict]:
    return (
        code,
        {},
        {
            "kind": "Status",
            "apiVersion": "v1",
            "metadata": {},
            "status": "Failure",
            "message": message,
            "reason": reason,
            "code": code,
        },
    )


_COLLECTION = re.compile(
    r"^/(?:api/v1|apis/(?P<group>[^/]+)/(?P<version>[^/]+))"
    r"(?:/namespaces/(?P<ns>[^/]+))?/(?P<plural>[a-z]+)(?:/(?P<name>[^/]+))?(?:/(?P<sub>[a-z]+))?$"
)
_KINDS = {
    "secrets": "Secret",
    "persistentvolumes": "PersistentVolume",
    "persistentvolumeclaims": "PersistentVolumeClaim",
    "configmaps": "ConfigMap",
    "namespaces": "Namespace",
    "imagecaches": "ImageCache",
    "nodes": "Node",
}


class KubeApp(App):
    """Users by client-certificate CN or bearer token; RBAC as (verb, resource) sets."""

    def __init__(self, git_version: str = "v1.30.1-aliyun.1"):
        super().__init__()
        self.git_version = git_version
        self.cert_users: dict[str, str] = {}  # CN → username
        self.token_users: dict[str, str] = {}  # token → username
        self.grants: dict[str, set[tuple[str, str]]] = {}  # user → {(verb, resource)}
        self.namespaces: set[str] = {"default", "kube-system"}
        self.configmaps: dict[tuple[str, str], dict] = {}
        self.nodes: list[dict] = []
        self.objects: dict[tuple[str, str | None, str], dict] = {}  # (plural, ns, name)
        self.dry_runs: list[tuple[str, str]] = []  # (method, path)
        self.applied: list[tuple[str, str]] = []  # (path, field manager)

    # --- cluster shapes ---
    def make_ask(
        self,
        region_zone: str = "cn-hangzhou-i",
        vpc: str = "vpc-test0001",
        vswitches: str = "vsw-a,vsw-b",
    ):
        self.configmaps[("kube-system", "eci-profile")] = {
            "vpcId": vpc,
            "vSwitchIds": vswitches,
        }
        self.nodes = [self._node(f"virtual-kubelet-{region_zone}", virtual=True)]

    def make_acs(self, vpc: str = "vpc-acs0001", vswitches: str = "vsw-c"):
        self.configmaps[("kube-system", "acs-profile")] = {
            "vpcId": vpc,
            "vSwitchIds": vswitches,
        }
        self.nodes = [self._node("virtual-kubelet-cn-shanghai-b", virtual=True)]

    def make_ack_virtual(self):
        self.configmaps[("kube-system", "eci-profile")] = {
            "vpcId": "vpc-ack0001",
            "vswitchIds": "vsw-d",
        }
        self.nodes = [
            self._node("cn-beijing.192.168.0.10", virtual=False, region="cn-beijing"),
            self._node("virtual-kubelet-cn-beijing-h", virtual=True),
        ]

    @staticmethod
    def _node(name: str, virtual: bool, region: str = "") -> dict:
        labels = {"type": "virtual-kubelet"} if virtual else {}
        if region:
            labels["topology.kubernetes.io/region"] = region
        spec = (
            {
                "taints": [
                    {
                        "key": "virtual-kubelet.io/provider",
                        "value": "alibabacloud",
                        "effect": "NoSchedule",
                    }
                ]
            }
            if virtual
            else {}
        )
        return {"metadata": {"name": name, "labels": labels}, "spec": spec}

    def grant_runner(self, user: str, skip: tuple[tuple[str, str], ...] = ()):
        """Everything the Kubernetes executor needs, minus `skip`."""
        from wizard.checks.cluster import PERMISSIONS

        self.grants[user] = {(v, r) for r, verbs in PERMISSIONS for v in verbs} - set(
            skip
        )

    # --- request handling ---
    def user_of(self, req) -> tuple[str, list[str]]:
        auth = req.headers.get("Authorization", "")
        if auth.startswith("Bearer "):
            user = self.token_users.get(auth[7:])
            if user is None:
                return "", []  # a bad token is 401, not anonymous
            return user, ["system:authenticated"]
        cert = (
            req.connection.getpeercert()
            if hasattr(req.connection, "getpeercert")
            else None
        )
        if cert:
            cn = dict(x[0] for x in cert.get("subject", ())).get("commonName", "")
            if cn in self.cert_users:
                return self.cert_users[cn], ["system:authenticated"]
        return "system:anonymous", ["system:unauthenticated"]

    def allowed(self, user: str, verb: str, resource: str) -> bool:
        grants = self.grants.get(user, set())
        return (ALL, ALL) in grants or (verb, resource) in grants

    def route(self, req, method, path, query, body):
        user, groups = self.user_of(req)
        path = path.rstrip("/") or "/"  # the client asks for "/version/"
        if not user:
            return status(401, "Unauthorized", "Unauthorized")
        if path == "/version" and method == "GET":
            return (
                200,
                {},
                {
                    "major": "1",
                    "minor": "30",
                    "gitVersion": self.git_version,
                    "gitCommit": "0" * 40,
                    "gitTreeState": "clean",
                    "buildDate": "2026-01-01T00:00:00Z",
                    "goVersion": "go1.22",
                    "compiler": "gc",
                    "platform": "linux/amd64",
                },
            )
        if (
            path == "/apis/authentication.k8s.io/v1/selfsubjectreviews"
            and method == "POST"
        ):
            return (
                201,
                {},
                {
                    "apiVersion": "authentication.k8s.io/v1",
                    "kind": "SelfSubjectReview",
                    "metadata": {},
                    "status": {"userInfo": {"username": user, "groups": groups}},
                },
            )
        if (
            path == "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews"
            and method == "POST"
        ):
            spec = json.loads(body)["spec"]
            attrs = spec.get("resourceAttributes") or {}
            resource = attrs.get("resource", "")
            if attrs.get("subresource"):
                resource += "/" + attrs["subresource"]
            return (
                201,
                {},
                {
                    "apiVersion": "authorization.k8s.io/v1",
                    "kind": "SelfSubjectAccessReview",
                    "metadata": {},
                    "spec": spec,
                    "status": {
                        "allowed": self.allowed(user, attrs.get("verb", ""), resource)
                    },
                },
            )
        m = _COLLECTION.match(path)
        if not m:
            return status(
                404, "NotFound", "the server could not find the requested resource"
            )
        return self.resource(user, method, m, query, body, req)

    def resource(self, user, method, m, query, body, req):
        plural, ns, name = m["plural"], m["ns"], m["name"]
        if plural == "namespaces" and name and m["sub"] is None:
            plural, ns, name = "namespaces", None, name
        verb = {
            "GET": "get" if name else "list",
            "POST": "create",
            "PATCH": "patch",
        }.get(method, "")
        if not self.allowed(user, verb, plural):
            return status(
                403,
                "Forbidden",
                f'{plural} is forbidden: User "{user}" cannot {verb} resource "{plural}"',
            )
        if ns and ns not in self.namespaces:
            return status(404, "NotFound", f'namespaces "{ns}" not found')
        if method == "GET":
            return self.read(plural, ns, name)
        if method == "POST":
            return self.create(plural, ns, query, body)
        if method == "PATCH":
            return self.apply(plural, ns, name, query, body, req)
        return status(405, "MethodNotAllowed", "method not allowed")

    def read(self, plural, ns, name):
        if plural == "namespaces":
            if name in self.namespaces:
                return (
                    200,
                    {},
                    {
                        "apiVersion": "v1",
                        "kind": "Namespace",
                        "metadata": {"name": name},
                    },
                )
            return status(404, "NotFound", f'namespaces "{name}" not found')
        if plural == "nodes" and not name:
            return (
                200,
                {},
                {
                    "apiVersion": "v1",
                    "kind": "NodeList",
                    "metadata": {},
                    "items": self.nodes,
                },
            )
        if plural == "configmaps" and (ns, name) in self.configmaps:
            return (
                200,
                {},
                {
                    "apiVersion": "v1",
                    "kind": "ConfigMap",
                    "metadata": {"name": name, "namespace": ns},
                    "data": self.configmaps[(ns, name)],
                },
            )
        if (plural, ns, name) in self.objects:
            return 200, {}, self.objects[(plural, ns, name)]
        return status(404, "NotFound", f'{plural} "{name}" not found')

    def _validate(self, plural, obj) -> tuple[int, dict, dict] | None:
        # Like the real server: a body may leave kind out, but not contradict the URL.
        if not isinstance(obj, dict) or obj.get(
            "kind", _KINDS.get(plural)
        ) != _KINDS.get(plural):
            return status(
                400, "BadRequest", f"the object is not a {_KINDS.get(plural)}"
            )
        if not (obj.get("metadata") or {}).get("name"):
            return status(
                422,
                "Invalid",
                f"{_KINDS[plural]} is invalid: metadata.name: Required value",
            )
        return None

    def create(self, plural, ns, query, body):
        obj = json.loads(body)
        bad = self._validate(plural, obj)
        if bad:
            return bad
        name = obj["metadata"]["name"]
        if plural == "namespaces":
            if name in self.namespaces:
                return status(
                    409, "AlreadyExists", f'namespaces "{name}" already exists'
                )
            if query.get("dryRun") != "All":
                self.namespaces.add(name)
            return 201, {}, obj
        if (plural, ns, name) in self.objects:
            return status(409, "AlreadyExists", f'{plural} "{name}" already exists')
        if query.get("dryRun") == "All":
            self.dry_runs.append(("POST", f"{plural}/{name}"))
        else:
            self.objects[(plural, ns, name)] = obj
        return 201, {}, obj

    def apply(self, plural, ns, name, query, body, req):
        if req.headers.get("Content-Type") != "application/apply-patch+yaml":
            return status(
                415, "UnsupportedMediaType", "only server-side apply is served here"
            )
        manager = query.get("fieldManager")
        if not manager:
            return status(422, "Invalid", "fieldManager is required for apply patch")
        obj = yaml.safe_load(body)
        bad = self._validate(plural, obj)
        if bad:
            return bad
        if obj["metadata"]["name"] != name:
            return status(
                400, "BadRequest", "the name of the object does not match the URL"
            )
        obj["metadata"]["managedFields"] = [{"manager": manager, "operation": "Apply"}]
        if query.get("dryRun") == "All":
            self.dry_runs.append(("PATCH", f"{plural}/{name}"))
        else:
            self.objects[(plural, ns, name)] = obj
            self.applied.append((f"{plural}/{name}", manager))
        return 200, {}, obj


def kubeconfig(
    server: str,
    ca_pem: bytes,
    *,
    cert_pem: bytes | None = None,
    key_pem: bytes | None = None,
    token: str | None = None,
    exec_command: str | None = None,
    context: str = "test",
) -> str:
    """A kubeconfig for the local API server with one kind of credentials."""
    import base64

    def b64(data: bytes) -> str:
        return base64.b64encode(data).decode()

    user: dict = {}
    if cert_pem and key_pem:
        user = {
            "client-certificate-data": b64(cert_pem),
            "client-key-data": b64(key_pem),
        }
    elif token:
        user = {"token": token}
    elif exec_command:
        user = {
            "exec": {
                "apiVersion": "client.authentication.k8s.io/v1beta1",
                "command": exec_command,
                "args": ["token"],
                "interactiveMode": "Never",
            }
        }
    return yaml.safe_dump(
        {
            "apiVersion": "v1",
            "kind": "Config",
            "clusters": [
                {
                    "name": "local",
                    "cluster": {
                        "server": server,
                        "certificate-authority-data": b64(ca_pem),
                    },
                }
            ],
            "users": [{"name": "me", "user": user}],
            "contexts": [
                {"name": context, "context": {"cluster": "local", "user": "me"}}
            ],
            "current-context": context,
        }
    )
