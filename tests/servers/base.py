"""A threaded HTTP(S) server on an ephemeral loopback port, plus hang and refuse modes."""

from __future__ import annotations

import json
import socket
import ssl
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class Handler(BaseHTTPRequestHandler):
    """Routes to `do(method, path, query, body)` of the owning server's app."""

    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # keep test output clean
        pass

    def _dispatch(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        parts = urlsplit(self.path)
        query = {
            k: v[-1] for k, v in parse_qs(parts.query, keep_blank_values=True).items()
        }
        status, headers, payload = self.server.app.handle(
            self, self.command, parts.path, query, body
        )
        if isinstance(payload, dict | list):
            payload = json.dumps(payload).encode()
            headers = {"Content-Type": "application/json", **headers}
        elif isinstance(payload, str):
            payload = payload.encode()
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _dispatch


class App:
    """Base of the protocol apps: records every request it saw."""

    def __init__(self):
        self.requests: list[tuple[str, str, dict, bytes]] = []
        self.lock = threading.Lock()

    def handle(self, req, method, path, query, body):
        with self.lock:
            self.requests.append((method, path, query, body))
        return self.route(req, method, path, query, body)

    def route(self, req, method, path, query, body):
        return 404, {}, {"message": "404 Not Found"}


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    tls: ssl.SSLContext | None = None

    def finish_request(self, request, client_address):
        # The TLS handshake runs in the connection's own thread, so a client
        # that rejects the certificate cannot stall the accept loop.
        if self.tls is not None:
            request.settimeout(5)
            try:
                request = self.tls.wrap_socket(request, server_side=True)
            except (ssl.SSLError, OSError):
                return
            request.settimeout(None)
        super().finish_request(request, client_address)

    def handle_error(self, request, client_address):
        pass  # a client that hung up mid-request is not a test failure


class LocalServer:
    """Serve `app` on 127.0.0.1; `tls` is an ssl.SSLContext for HTTPS."""

    def __init__(self, app: App, tls: ssl.SSLContext | None = None):
        self.app = app
        self.httpd = _Server(("127.0.0.1", 0), Handler)
        self.httpd.app = app
        self.httpd.tls = tls
        self.scheme = "https" if tls else "http"
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        return f"{self.scheme}://127.0.0.1:{self.port}"

    @property
    def hostport(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> LocalServer:
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


class HangServer:
    """Accepts connections on 127.0.0.1 and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.port = self.sock.getsockname()[1]
        self.conns: list[socket.socket] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._accept, daemon=True)

    def _accept(self):
        self.sock.settimeout(0.1)
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except (TimeoutError, OSError):
                continue
            self.conns.append(conn)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def https_url(self) -> str:
        return f"https://127.0.0.1:{self.port}"

    @property
    def hostport(self) -> str:
        return f"127.0.0.1:{self.port}"

    def __enter__(self) -> HangServer:
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join()
        for c in self.conns:
            c.close()
        self.sock.close()


def refused_port() -> int:
    """A loopback port with nothing listening: connecting to it is refused."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


class LocalPKI:
    """A test CA (trustme) with a server certificate for 127.0.0.1 and localhost."""

    def __init__(self):
        import trustme

        self.ca = trustme.CA()
        self.server_cert = self.ca.issue_cert("127.0.0.1", "localhost")

    def server_context(self, client_auth: bool = False) -> ssl.SSLContext:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        self.server_cert.configure_cert(ctx)
        if client_auth:
            # Optional, so bearer tokens and anonymous requests still connect.
            ctx.verify_mode = ssl.CERT_OPTIONAL
            self.ca.configure_trust(ctx)
        return ctx

    def ca_pem(self) -> bytes:
        return self.ca.cert_pem.bytes()

    def write_ca(self, path) -> str:
        path.write_bytes(self.ca_pem())
        return str(path)
