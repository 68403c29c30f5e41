"""Fetching one URL over HTTP(S) with the guards a server-side fetch needs.

A URL typed into the web chat is fetched by the server, so it must not become a way into the
host's own services or its network (server-side request forgery). Every hop of a redirect chain is
checked the same way: the host name is resolved here, every address it resolves to must be public
(or inside ``BOT_FETCH_ALLOW_NETWORKS``), and the connection goes to the address that was checked,
so a DNS answer that changes between check and connect (rebinding) cannot slip through.

Also: one deadline for the whole response (a server that trickles bytes cannot hold a fetch
forever), a size cap checked against ``Content-Length`` before reading and again while streaming,
a content-type check, and a User-Agent that says what we are. Proxies from the environment are
not used: the checks apply to the address actually connected to. Built on ``http.client`` because
it lets the connection go to a checked address while Host, SNI and the certificate use the name.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import time
import zlib
from dataclasses import dataclass
from typing import TYPE_CHECKING
from urllib.parse import quote, urljoin, urlsplit

from bot.types import DocumentError

if TYPE_CHECKING:
    from bot.config import Config

USER_AGENT = "newsbot/0.1 (question answering over news; fetches only the URLs and feeds its user added)"
HTML_TYPES = ("text/html", "application/xhtml+xml")
FEED_TYPES = (
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
)
MAX_REDIRECTS = 5
_READ_BLOCK = 64 * 1024
_REDIRECTS = (301, 302, 303, 307, 308)
IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


class FetchError(DocumentError):
    """A URL could not be fetched; ``reason`` is one line a user can act on."""


@dataclass(frozen=True)
class Fetched:
    url: str  # as asked for
    final_url: str  # after redirects
    status: int  # 200, or 304 for a conditional GET whose resource did not change
    content_type: str  # media type only, lowercase ("text/html")
    charset: str  # from the Content-Type header, "" when not given
    body: bytes
    etag: str = ""
    last_modified: str = ""

    @property
    def not_modified(self) -> bool:
        return self.status == 304


def fetch(
    url: str,
    config: Config,
    accept: tuple[str, ...] = HTML_TYPES,
    etag: str = "",
    last_modified: str = "",
) -> Fetched:
    """GET ``url`` following at most 5 redirects; FetchError (with the URL as origin) on any problem.

    ``etag``/``last_modified`` make it a conditional GET: an unchanged resource comes back as a
    ``Fetched`` with status 304 and an empty body.
    """
    deadline = time.monotonic() + config.fetch_timeout
    headers = {"User-Agent": USER_AGENT, "Accept": ", ".join(accept) + ", */*;q=0.1"}
    headers["Accept-Encoding"] = "gzip"
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified
    current = url
    for _ in range(MAX_REDIRECTS + 1):
        response, conn = _open(url, current, headers, config, deadline)
        try:
            if response.status in _REDIRECTS:
                location = response.getheader("Location")
                if not location:
                    raise FetchError(url, f"HTTP {response.status} redirect without a Location")
                current = urljoin(current, location.strip())
                continue
            return _finish(url, current, response, config, accept, deadline)
        finally:
            conn.close()
    raise FetchError(url, f"more than {MAX_REDIRECTS} redirects")


# --- one request ------------------------------------------------------------------------------------
def _open(
    origin: str, url: str, headers: dict[str, str], config: Config, deadline: float
) -> tuple[http.client.HTTPResponse, http.client.HTTPConnection]:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise FetchError(origin, f"not an http(s) URL: {url}")
    if parts.username or parts.password:
        raise FetchError(origin, "URLs with a user name or password are not fetched")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise FetchError(origin, f"bad port in {url}") from exc
    try:  # a non-ASCII host name is sent (Host header, SNI) in its IDNA form
        host = parts.hostname.encode("idna").decode("ascii")
    except UnicodeError as exc:
        raise FetchError(origin, f"bad host name {parts.hostname!r}") from exc
    addresses = resolve_checked(origin, host, port, config)
    path = request_target(parts.path, parts.query)
    last_error: OSError | None = None
    for address in addresses:
        conn = _connection(parts.scheme, host, str(address), port, _remaining(origin, config, deadline))
        try:
            conn.request("GET", path, headers=headers)
            return conn.getresponse(), conn
        except TimeoutError as exc:
            conn.close()
            raise FetchError(
                origin, f"timed out after {config.fetch_timeout:g} s (BOT_FETCH_TIMEOUT)"
            ) from exc
        except ssl.SSLError as exc:
            conn.close()
            raise FetchError(origin, f"TLS failed ({exc.reason or exc})") from exc
        except (OSError, http.client.HTTPException) as exc:
            conn.close()
            last_error = exc if isinstance(exc, OSError) else OSError(str(exc))
    reason = getattr(last_error, "strerror", None) or str(last_error)
    raise FetchError(origin, f"cannot connect to {host} ({reason})")


def request_target(path: str, query: str) -> str:
    """Path and query as HTTP needs them: non-ASCII and spaces percent-encoded, existing %XX kept."""
    safe = "/%:@!$&'()*+,;=-._~"
    target = quote(path or "/", safe=safe)
    return target + (f"?{quote(query, safe=safe + '?')}" if query else "")


def _connection(
    scheme: str, host: str, address: str, port: int, timeout: float
) -> http.client.HTTPConnection:
    if scheme == "https":
        return _PinnedHTTPS(host, address, port, timeout)
    return _PinnedHTTP(host, address, port, timeout)


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to the address that was checked; the Host header still carries the name."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self._address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """As _PinnedHTTP, with TLS verified against the host name (SNI and certificate)."""

    def __init__(self, host: str, address: str, port: int, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout, context=ssl.create_default_context())
        self._address = address

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)  # type: ignore[attr-defined]


def _finish(
    origin: str,
    url: str,
    response: http.client.HTTPResponse,
    config: Config,
    accept: tuple[str, ...],
    deadline: float,
) -> Fetched:
    etag = response.getheader("ETag") or ""
    modified = response.getheader("Last-Modified") or ""
    if response.status == 304:
        return Fetched(origin, url, 304, "", "", b"", etag, modified)
    if response.status != 200:
        raise FetchError(origin, f"HTTP {response.status} {response.reason}".strip())
    media, charset = _content_type(response.getheader("Content-Type") or "")
    if media not in accept:
        shown = media or "none given"
        raise FetchError(
            origin, f"not a {'web page' if accept == HTML_TYPES else 'feed'} (content type {shown})"
        )
    body = _read_body(origin, response, config, deadline)
    return Fetched(origin, url, 200, media, charset, body, etag, modified)


def _content_type(value: str) -> tuple[str, str]:
    media, _, params = value.partition(";")
    charset = ""
    for param in params.split(";"):
        key, _, val = param.partition("=")
        if key.strip().lower() == "charset":
            charset = val.strip().strip("\"'").lower()
    return media.strip().lower(), charset


def _read_body(origin: str, response: http.client.HTTPResponse, config: Config, deadline: float) -> bytes:
    """Stream at most the size limit, checking the deadline between blocks; gunzip within the limit."""
    limit = int(config.fetch_max_mb * 2**20)
    too_large = f"larger than the {config.fetch_max_mb:g} MB limit (BOT_FETCH_MAX_MB)"
    declared = response.getheader("Content-Length")
    if declared and declared.strip().isdigit() and int(declared) > limit:
        raise FetchError(origin, f"too large ({int(declared) / 2**20:,.1f} MB); {too_large}")
    encoding = (response.getheader("Content-Encoding") or "").strip().lower()
    if encoding not in ("", "identity", "gzip", "x-gzip"):  # we asked for gzip or nothing
        raise FetchError(origin, f"unsupported content encoding {encoding!r}")
    gzipped = encoding in ("gzip", "x-gzip")
    inflate = zlib.decompressobj(wbits=31) if gzipped else None
    parts: list[bytes] = []
    size = 0
    while True:
        left = _remaining(origin, config, deadline)
        try:
            _set_timeout(response, left)
            block = response.read1(_READ_BLOCK)  # what has arrived, not a full block: a trickle is noticed
        except TimeoutError as exc:
            raise FetchError(
                origin, f"timed out after {config.fetch_timeout:g} s (BOT_FETCH_TIMEOUT)"
            ) from exc
        except (OSError, http.client.HTTPException) as exc:
            raise FetchError(origin, f"connection broke while reading ({exc})") from exc
        if not block:
            break
        if inflate is not None:
            try:
                block = inflate.decompress(block, limit + 1 - size)
            except zlib.error as exc:
                raise FetchError(origin, "the server sent broken gzip data") from exc
        parts.append(block)
        size += len(block)
        if size > limit:
            raise FetchError(origin, f"too large; {too_large}")
    return b"".join(parts)


def _set_timeout(response: http.client.HTTPResponse, seconds: float) -> None:
    """No single recv may outlive the deadline (http.client keeps the socket inside its reader)."""
    sock = getattr(getattr(response.fp, "raw", None), "_sock", None)
    if isinstance(sock, socket.socket):
        sock.settimeout(seconds)


def _remaining(origin: str, config: Config, deadline: float) -> float:
    left = deadline - time.monotonic()
    if left <= 0:
        raise FetchError(origin, f"timed out after {config.fetch_timeout:g} s (BOT_FETCH_TIMEOUT)")
    return left


# --- address checks ---------------------------------------------------------------------------------
def resolve_checked(origin: str, host: str, port: int, config: Config) -> list[IPAddress]:
    """Every address ``host`` resolves to, or FetchError if any of them is not allowed."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise FetchError(origin, f"cannot resolve host {host!r}") from exc
    addresses: list[IPAddress] = []
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%")[0])
        if address not in addresses:
            addresses.append(address)
    allowed = config.allowed_networks()
    for address in addresses:
        kind = refused_kind(address, allowed)
        if kind:
            raise FetchError(
                origin,
                f"refused: {host} is a {kind} address ({address}); add it to BOT_FETCH_ALLOW_NETWORKS to allow it",
            )
    return addresses


def refused_kind(address: IPAddress, allowed: list[ipaddress.IPv4Network | ipaddress.IPv6Network]) -> str:
    """Why an address may not be fetched ("loopback", "link-local", "private"), or "" if it may."""
    plain = (
        address.ipv4_mapped if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped else address
    )
    if any(plain.version == net.version and plain in net for net in allowed):
        return ""
    if plain.is_loopback:
        return "loopback"
    if plain.is_link_local:
        return "link-local"
    if not plain.is_global or plain.is_multicast:
        return "private"
    return ""
