"""Where a webhook may point. A registry must not become a way into its own network (SSRF): URLs
are http or https without credentials, and a host that is, or resolves to, a loopback, private,
link-local, multicast or reserved address is refused unless the operator allows private targets
(`webhook_private_targets`, for a receiver on the same machine or network).

>>> url_problem("ftp://example.org/hook", allow_private=False)
'a webhook URL starts with https:// or http://'
>>> url_problem("http://127.0.0.1:9000/hook", allow_private=False)
'127.0.0.1 is a loopback, private or reserved address: set webhook_private_targets to allow it'
>>> url_problem("http://127.0.0.1:9000/hook", allow_private=True) is None
True
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

MAX_URL_CHARS = 2000


def url_problem(url: str, *, allow_private: bool) -> str | None:
    """Why `url` cannot be a webhook target without resolving its host, or None."""
    if len(url) > MAX_URL_CHARS:
        return f"a webhook URL is at most {MAX_URL_CHARS} characters"
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises on a bad port
    except ValueError as e:
        return f"not a URL: {e}"
    if parts.scheme not in ("https", "http"):
        return "a webhook URL starts with https:// or http://"
    if not parts.hostname:
        return "a webhook URL names a host"
    if parts.username is not None or parts.password is not None:
        return "a webhook URL carries no user name or password: the signature proves the sender"
    if any(c.isspace() for c in url):
        return "a webhook URL has no spaces"
    if _is_ip(parts.hostname) and _closed(parts.hostname) and not allow_private:
        return f"{parts.hostname} is {_CLOSED}: set webhook_private_targets to allow it"
    return None


def resolved_problem(url: str, *, allow_private: bool) -> str | None:
    """Why a delivery to `url` must not be sent, its host resolved now (DNS can change), or None."""
    problem = url_problem(url, allow_private=allow_private)
    if problem or allow_private:
        return problem
    parts = urlsplit(url)
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or (443 if parts.scheme == "https" else 80),
                                   type=socket.SOCK_STREAM)
    except OSError as e:
        return f"cannot resolve {parts.hostname}: {e}"
    for info in infos:
        if _closed(str(info[4][0])):
            return f"{parts.hostname} resolves to {info[4][0]}, {_CLOSED}: set webhook_private_targets to allow it"
    return None


def _is_ip(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


_CLOSED = "a loopback, private or reserved address"


def _closed(host: str) -> bool:
    address = ipaddress.ip_address(host.split("%")[0])
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return (address.is_private or address.is_loopback or address.is_link_local or address.is_multicast
            or address.is_reserved or address.is_unspecified)
