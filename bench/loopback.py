"""Keep a benchmark child process on 127.0.0.1: other hosts fail as unreachable."""

from __future__ import annotations

import ipaddress
import socket

_real_getaddrinfo = socket.getaddrinfo
_real_connect = socket.socket.connect
_real_connect_ex = socket.socket.connect_ex


def _loopback(host: object) -> bool:
    name = host.decode() if isinstance(host, bytes) else str(host)
    if name in ("localhost", "127.0.0.1", "::1"):
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def _getaddrinfo(host, *args, **kwargs):
    if host is not None and not _loopback(host):
        raise socket.gaierror(socket.EAI_NONAME, f"benchmark: {host} is not loopback")
    return _real_getaddrinfo(host, *args, **kwargs)


def _check(address: object) -> None:
    if isinstance(address, tuple) and not _loopback(address[0]):
        raise ConnectionRefusedError(111, f"benchmark: {address[0]} is not loopback")


def _connect(self, address):
    _check(address)
    return _real_connect(self, address)


def _connect_ex(self, address):
    _check(address)
    return _real_connect_ex(self, address)


def install() -> None:
    """Refuse name lookups and connections to anything but loopback."""
    socket.getaddrinfo = _getaddrinfo
    socket.socket.connect = _connect
    socket.socket.connect_ex = _connect_ex
