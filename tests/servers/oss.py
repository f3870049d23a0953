"""An OSS endpoint (path-style) that checks the AccessKey and the V1 request signature."""

from __future__ import annotations

import base64
import hashlib
import hmac
import uuid

from servers.base import App

# The sub-resources a V1 signature covers, of those this server serves.
SUBRESOURCES = {"bucketInfo", "location", "acl", "stat"}


def v1_signature(secret: str, method: str, headers, resource: str) -> str:
    oss_headers = sorted(
        (k.lower(), v) for k, v in headers.items() if k.lower().startswith("x-oss-")
    )
    canonical_headers = "".join(f"{k}:{v}\n" for k, v in oss_headers)
    text = "\n".join(
        [
            method,
            headers.get("Content-MD5", ""),
            headers.get("Content-Type", ""),
            headers.get("x-oss-date") or headers.get("Date", ""),
            canonical_headers + resource,
        ]
    )
    digest = hmac.new(secret.encode(), text.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class OssApp(App):
    def __init__(self, keys: dict[str, str] | None = None):
        super().__init__()
        self.keys = dict(keys or {"LTAItestkey": "testsecret"})
        self.buckets: dict[str, dict] = {}  # name → {"location", "users"}

    def add_bucket(
        self,
        name: str,
        location: str = "oss-cn-hangzhou",
        users: tuple[str, ...] = ("LTAItestkey",),
    ):
        self.buckets[name] = {"location": location, "users": set(users)}

    def _error(self, status: int, code: str, message: str, bucket: str = ""):
        body = (
            '<?xml version="1.0" encoding="UTF-8"?>\n<Error>'
            f"<Code>{code}</Code><Message>{message}</Message>"
            f"<RequestId>{uuid.uuid4().hex.upper()}</RequestId>"
            f"<HostId>{bucket or 'oss'}.local</HostId>"
            f"{f'<BucketName>{bucket}</BucketName>' if bucket else ''}</Error>"
        )
        return (
            status,
            {"Content-Type": "application/xml", "x-oss-request-id": "TEST"},
            body,
        )

    def route(self, req, method, path, query, body):
        bucket = path.strip("/").split("/", 1)[0]
        auth = req.headers.get("Authorization", "")
        if not auth.startswith("OSS ") or ":" not in auth:
            return self._error(403, "AccessDenied", "AccessDenied", bucket)
        ak, _, signature = auth[4:].partition(":")
        if ak not in self.keys:
            return self._error(
                403,
                "InvalidAccessKeyId",
                "The OSS Access Key Id you provided does not exist in our records.",
                bucket,
            )
        subs = sorted((k, v) for k, v in query.items() if k in SUBRESOURCES)
        sub = "&".join(f"{k}={v}" if v else k for k, v in subs)
        resource = path + (f"?{sub}" if sub else "")
        if not hmac.compare_digest(
            v1_signature(self.keys[ak], method, req.headers, resource), signature
        ):
            return self._error(
                403,
                "SignatureDoesNotMatch",
                "The request signature we calculated does not match the signature you provided.",
                bucket,
            )
        if bucket not in self.buckets:
            return self._error(
                404, "NoSuchBucket", "The specified bucket does not exist.", bucket
            )
        info = self.buckets[bucket]
        if ak not in info["users"]:
            return self._error(
                403,
                "AccessDenied",
                "You have no right to access this object because of bucket acl.",
                bucket,
            )
        if method == "GET" and "bucketInfo" in query:
            loc = info["location"]
            xml = (
                '<?xml version="1.0" encoding="UTF-8"?>\n<BucketInfo><Bucket>'
                f"<CreationDate>2026-01-01T00:00:00.000Z</CreationDate>"
                f"<ExtranetEndpoint>{loc}.aliyuncs.com</ExtranetEndpoint>"
                f"<IntranetEndpoint>{loc}-internal.aliyuncs.com</IntranetEndpoint>"
                f"<Location>{loc}</Location><Name>{bucket}</Name>"
                "<StorageClass>Standard</StorageClass>"
                "<Owner><DisplayName>1234567890123456</DisplayName><ID>1234567890123456</ID></Owner>"
                "<AccessControlList><Grant>private</Grant></AccessControlList>"
                "</Bucket></BucketInfo>"
            )
            return (
                200,
                {"Content-Type": "application/xml", "x-oss-request-id": "TEST"},
                xml,
            )
        return self._error(
            400, "InvalidArgument", "not served by this test endpoint", bucket
        )
