"""Fetch one address of the clinic's website, safely.

The importer runs on the bot's server, so an address typed into the dashboard must not reach anything
the server can see and the public cannot (its own admin ports, the cloud's metadata service, the office
network). Every address, and every redirect, is checked after DNS resolution, and the connection goes to
the very address that was checked (a second lookup could answer differently). Private, loopback,
link-local and other non-public addresses are refused unless `FetchSettings.allowed_networks` names them.
Bodies are capped in size and time; nothing fetched is ever rendered, only converted.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import urljoin, urlsplit

import urllib3

USER_AGENT = "ClinicFAQBot-Importer/1.0"
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True)
class FetchSettings:
    allowed_networks: tuple[Network, ...] = ()  # non-public addresses that may be fetched anyway (tests)
    max_bytes: int = 5_000_000
    timeout: float = 20.0  # seconds for the whole of one response, connection included
    max_redirects: int = 5
    user_agent: str = USER_AGENT


def networks(setting: str | None) -> tuple[Network, ...]:
    """`BOT_IMPORT_ALLOW_NETWORKS`, e.g. "127.0.0.1" or "10.0.0.0/8, 192.168.1.0/24", parsed."""
    parts = [part.strip() for part in (setting or "").split(",") if part.strip()]
    try:
        return tuple(ipaddress.ip_network(part, strict=False) for part in parts)
    except ValueError as error:
        raise ValueError(f"BOT_IMPORT_ALLOW_NETWORKS: {error}") from error


class Refusal(StrEnum):
    SCHEME = "only http:// and https:// addresses can be imported"
    NO_HOST = "the address has no host name"
    UNRESOLVED = "the host name could not be found"
    PRIVATE = "the address is private, loopback or link-local (not a public website)"
    TOO_MANY_REDIRECTS = "too many redirects"
    TOO_LARGE = "the page is larger than the size limit"
    TOO_SLOW = "the page took longer than the time limit"
    UNREACHABLE = "the site could not be reached"
    HTTP_ERROR = "the site answered with an error"


class FetchError(Exception):
    """An address that was not fetched, and why, in words staff understand."""

    def __init__(self, url: str, refusal: Refusal, detail: str = "") -> None:
        self.url = url
        self.refusal = refusal
        self.detail = detail
        super().__init__(f"{url}: {refusal.value}" + (f" ({detail})" if detail else ""))

    @property
    def reason(self) -> str:
        return self.refusal.value + (f" ({self.detail})" if self.detail else "")


@dataclass(frozen=True)
class Fetched:
    url: str  # after redirects
    status: int  # 200, or 304 when the page did not change since `etag`/`last_modified`
    content_type: str  # lower case, without parameters
    body: bytes
    etag: str | None = None
    last_modified: str | None = None
    charset: str | None = None

    @property
    def not_modified(self) -> bool:
        return self.status == 304


# IPv6 addresses that carry an IPv4 address a gateway forwards to: NAT64's well-known prefix (RFC 6052).
NAT64 = ipaddress.ip_network("64:ff9b::/96")
# Never public whatever they carry: local-use NAT64 (RFC 8215), IPv4-compatible and IPv4-translated forms.
NEVER_PUBLIC = tuple(ipaddress.ip_network(n) for n in ("64:ff9b:1::/48", "::/96", "::ffff:0:0:0/96"))


def public_address(address: str, allowed: tuple[Network, ...]) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if any(ip in network for network in NEVER_PUBLIC) and not any(ip in network for network in allowed):
            return False
        ip = _carried_ipv4(ip) or ip
    return ip.is_global or any(ip in network for network in allowed)


def _carried_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one leads to (mapped, 6to4, Teredo, NAT64): "64:ff9b::7f00:1" is 127.0.0.1."""
    if ip.ipv4_mapped or ip.sixtofour:
        return ip.ipv4_mapped or ip.sixtofour
    if ip.teredo:
        return ip.teredo[1]
    if ip in NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def checked_address(url: str, settings: FetchSettings) -> tuple[str, int, str]:
    """(host name, port, the IP address to connect to) for `url`, or FetchError. Every address the name
    resolves to must be allowed, so that no answer of a round-robin name leads inside."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(url, Refusal.SCHEME)
    if not parts.hostname:
        raise FetchError(url, Refusal.NO_HOST)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as error:
        raise FetchError(url, Refusal.NO_HOST, str(error)) from error
    try:
        infos = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as error:
        raise FetchError(url, Refusal.UNRESOLVED, parts.hostname) from error
    addresses = list(dict.fromkeys(info[4][0] for info in infos))
    if not addresses:
        raise FetchError(url, Refusal.UNRESOLVED, parts.hostname)
    refused = [a for a in addresses if not public_address(a, settings.allowed_networks)]
    if refused:
        raise FetchError(url, Refusal.PRIVATE, refused[0])
    return parts.hostname, port, addresses[0]


def _pool(url: str, host: str, port: int, address: str, timeout: float) -> urllib3.HTTPConnectionPool:
    options = {"timeout": urllib3.Timeout(connect=min(timeout, 10.0), read=timeout), "retries": False, "maxsize": 1}
    if urlsplit(url).scheme == "https":  # connect to the checked address; verify the certificate of the name
        return urllib3.HTTPSConnectionPool(
            address, port, server_hostname=host, assert_hostname=host, cert_reqs="CERT_REQUIRED", **options
        )
    return urllib3.HTTPConnectionPool(address, port, **options)


def fetch(
    url: str,
    settings: FetchSettings,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
) -> Fetched:
    """GET `url`, following up to `max_redirects` redirects, each checked like the first address."""
    for _ in range(settings.max_redirects + 1):
        host, port, address = checked_address(url, settings)
        parts = urlsplit(url)
        headers = {
            "Host": parts.netloc.rsplit("@", 1)[-1],
            "User-Agent": settings.user_agent,
            "Accept": "text/html,application/xhtml+xml,application/pdf,application/xml;q=0.9,*/*;q=0.5",
            "Accept-Encoding": "gzip, deflate",
        }
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        pool = _pool(url, host, port, address, settings.timeout)
        try:
            response = pool.urlopen(
                "GET", target, headers=headers, redirect=False, preload_content=False, assert_same_host=False
            )
        except urllib3.exceptions.TimeoutError as error:
            raise FetchError(url, Refusal.TOO_SLOW) from error
        except urllib3.exceptions.HTTPError as error:
            raise FetchError(url, Refusal.UNREACHABLE, type(error).__name__) from error
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                if not location:
                    raise FetchError(url, Refusal.HTTP_ERROR, f"redirect {response.status} without a Location")
                url = urljoin(url, location)
                continue
            if response.status == 304:
                return Fetched(url, 304, "", b"", etag, last_modified)
            if response.status != 200:
                raise FetchError(url, Refusal.HTTP_ERROR, f"HTTP {response.status}")
            body = _read_limited(response, url, settings)
            content_type = response.headers.get("Content-Type", "")
            charset = re.search(r"charset=[\"']?([\w.:-]+)", content_type, re.I)
            return Fetched(
                url,
                200,
                content_type.split(";")[0].strip().lower(),
                body,
                response.headers.get("ETag"),
                response.headers.get("Last-Modified"),
                charset.group(1) if charset else None,
            )
        finally:
            response.release_conn()
            pool.close()
    raise FetchError(url, Refusal.TOO_MANY_REDIRECTS)


def _read_limited(response: urllib3.BaseHTTPResponse, url: str, settings: FetchSettings) -> bytes:
    declared = response.headers.get("Content-Length", "")
    if declared.isdigit() and int(declared) > settings.max_bytes:
        raise FetchError(url, Refusal.TOO_LARGE, f"{int(declared):,} bytes")
    deadline = time.monotonic() + settings.timeout
    chunks, size = [], 0
    try:
        for chunk in response.stream(64 * 1024, decode_content=True):
            size += len(chunk)
            if size > settings.max_bytes:
                raise FetchError(url, Refusal.TOO_LARGE, f"over {settings.max_bytes:,} bytes")
            if time.monotonic() > deadline:
                raise FetchError(url, Refusal.TOO_SLOW)
            chunks.append(chunk)
    except urllib3.exceptions.TimeoutError as error:
        raise FetchError(url, Refusal.TOO_SLOW) from error
    except urllib3.exceptions.HTTPError as error:
        raise FetchError(url, Refusal.UNREACHABLE, type(error).__name__) from error
    return b"".join(chunks)
