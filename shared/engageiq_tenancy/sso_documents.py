"""The identity provider's documents an SSO connection is checked against before anything is
created (decision 0120): a SAML 2.0 metadata document (from a URL or a file) and an OIDC
issuer's discovery document.

Both URLs come from a tenant admin or an operator, and the chat service fetches the OIDC one
from inside the platform, so fetching is guarded against server-side request forgery
(`FetchPolicy`): https only, every address the host resolves to must be public (no private,
loopback, link-local or reserved ranges, nor IPv6 addresses carrying one: IPv4-mapped,
IPv4-compatible, NAT64, 6to4), the connection goes to the address that was checked (no second
lookup a rebinding DNS server could answer differently), no redirects, no proxies, a short
deadline and a size limit. The local platform alone may
fetch plain http from a loopback address (`FetchPolicy.local()`), which is how tests serve
documents without the internet.

SAML metadata is XML from outside: it is parsed with defusedxml, which refuses DTDs, entity
declarations and external references (billion laughs, XXE)."""

from __future__ import annotations

import http.client
import ipaddress
import json
import socket
import ssl
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final
from urllib.parse import urlsplit
from xml.etree.ElementTree import Element, ParseError

from defusedxml import DefusedXmlException
from defusedxml.ElementTree import fromstring

from engageiq_tenancy.operation_errors import InvalidInput
from engageiq_tenancy.settings import is_loopback_url

MAX_URL_LENGTH: Final = 2048
MAX_DOCUMENT_BYTES: Final = 512 * 1024
"""SAML metadata of one IdP is a few kilobytes (a certificate or two); discovery less."""
FETCH_TIMEOUT_SECONDS: Final = 5.0
"""For the whole fetch, connection included: a person is waiting for the answer."""
DISCOVERY_PATH: Final = "/.well-known/openid-configuration"
SAML_METADATA_NS: Final = "urn:oasis:names:tc:SAML:2.0:metadata"
_ENTITY_DESCRIPTOR: Final = f"{{{SAML_METADATA_NS}}}EntityDescriptor"
_IDP_DESCRIPTOR: Final = f"{{{SAML_METADATA_NS}}}IDPSSODescriptor"
_SSO_SERVICE: Final = f"{{{SAML_METADATA_NS}}}SingleSignOnService"


@dataclass(frozen=True, slots=True)
class FetchPolicy:
    """What the platform may fetch on a tenant admin's or operator's behalf."""

    allow_loopback_http: bool = False
    """Local platform only: http://127.0.0.1 and other loopback addresses are allowed too."""
    timeout_seconds: float = FETCH_TIMEOUT_SECONDS
    max_bytes: int = MAX_DOCUMENT_BYTES

    @classmethod
    def for_environment(cls, is_local: bool) -> FetchPolicy:
        """The cloud's policy, or the local platform's (loopback http allowed)."""
        return cls(allow_loopback_http=is_local)


@dataclass(frozen=True, slots=True)
class SamlMetadata:
    entity_id: str
    sign_in_urls: tuple[str, ...]
    document: str
    """The metadata as text (what Cognito takes as `MetadataFile`)."""


@dataclass(frozen=True, slots=True)
class OidcDiscovery:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str


class DocumentRefused(InvalidInput):
    """A URL or document an SSO connection cannot be made from (stable `code`, exit 2, 400)."""


def _refuse_url(url: str, why: str) -> DocumentRefused:
    return DocumentRefused(
        "sso_url_not_allowed",
        f"{url[:200]} cannot be used: {why}. Give an https:// address "
        "of the identity provider on the public internet.",
    )


# IPv6 ranges that carry an IPv4 address, which Python 3.11 calls global whatever it carries:
# NAT64's well-known prefix (RFC 6052, the IPv4 address in the last 32 bits), the deprecated
# IPv4-compatible ::/96, and NAT64's local-use prefix (RFC 8215, never global).
_NAT64: Final = ipaddress.IPv6Network("64:ff9b::/96")
_REFUSED_V6: Final = (ipaddress.IPv6Network("::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


def _address_allowed(address: str, policy: FetchPolicy) -> bool:
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and not ip.is_loopback:
        if any(ip in network for network in _REFUSED_V6):
            return False
        if ip in _NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        else:
            ip = ip.ipv4_mapped or ip.sixtofour or ip
    if ip.is_loopback:
        return policy.allow_loopback_http
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True, slots=True)
class _Destination:
    scheme: str
    host: str
    port: int
    address: str
    path: str


def check_url(url: str, policy: FetchPolicy) -> _Destination:
    """Where `url` may be fetched from: its scheme, host and the one checked address to connect
    to. Raises DocumentRefused (`sso_url_not_allowed`) for anything else, or
    (`sso_document_unreachable`) when the host does not resolve."""
    if len(url) > MAX_URL_LENGTH or any(c.isspace() for c in url):
        raise _refuse_url(url, "it is not a well-formed address")
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        raise _refuse_url(url, "its port is not a number") from None
    if parts.username or parts.password or not parts.hostname:
        raise _refuse_url(url, "it has no host, or carries a user name or password")
    if parts.scheme != "https" and not (parts.scheme == "http" and policy.allow_loopback_http):
        raise _refuse_url(url, "only https:// is allowed")
    if parts.scheme == "http" and not is_loopback_url(url):
        # Decided before any lookup: plain http is for the local platform's own loopback.
        raise _refuse_url(url, "only https:// is allowed")
    port = port or (443 if parts.scheme == "https" else 80)
    try:
        found = socket.getaddrinfo(parts.hostname, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise DocumentRefused(
            "sso_document_unreachable", f"The host of {url[:200]} could not be found."
        ) from None
    addresses = [str(info[4][0]) for info in found]
    if not addresses or not all(_address_allowed(a, policy) for a in addresses):
        raise _refuse_url(url, "its host is a private, loopback or reserved address")
    if parts.scheme == "http" and not all(ipaddress.ip_address(a).is_loopback for a in addresses):
        raise _refuse_url(url, "only https:// is allowed")  # "localhost" resolved elsewhere
    path = parts.path or "/"
    if parts.query:
        path += f"?{parts.query}"
    return _Destination(parts.scheme, parts.hostname, port, addresses[0], path)


class _PinnedHTTPConnection(http.client.HTTPConnection):
    """Connects to the address `check_url` approved, whatever the name resolves to now."""

    def __init__(self, destination: _Destination, timeout: float) -> None:
        super().__init__(destination.host, destination.port, timeout=timeout)
        self._address = destination.address

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPSConnection(http.client.HTTPSConnection):
    """TLS to the approved address, with the certificate checked against the URL's host name."""

    def __init__(self, destination: _Destination, timeout: float) -> None:
        self._tls = ssl.create_default_context()
        super().__init__(destination.host, destination.port, timeout=timeout, context=self._tls)
        self._address = destination.address

    def connect(self) -> None:
        raw = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._tls.wrap_socket(raw, server_hostname=self.host)


def fetch(url: str, policy: FetchPolicy, *, accept: str) -> bytes:
    """GET `url` under `policy`: the body of a 200 answer, at most `policy.max_bytes`. Raises
    DocumentRefused: `sso_url_not_allowed` (the URL or its host is not allowed),
    `sso_document_unreachable` (no answer, a non-200 status, a redirect, or too large)."""
    destination = check_url(url, policy)
    deadline = time.monotonic() + policy.timeout_seconds
    connection: http.client.HTTPConnection = (
        _PinnedHTTPSConnection(destination, policy.timeout_seconds)
        if destination.scheme == "https"
        else _PinnedHTTPConnection(destination, policy.timeout_seconds)
    )

    def unreachable(why: str) -> DocumentRefused:
        return DocumentRefused("sso_document_unreachable", f"{url[:200]} {why}.")

    response: http.client.HTTPResponse | None = None
    try:
        connection.request(
            "GET", destination.path, headers={"Accept": accept, "User-Agent": "EngageIQ-SSO"}
        )
        response = connection.getresponse()
        if response.status != 200:
            # Redirects are not followed: the next hop would escape the address check.
            raise unreachable(f"answered HTTP {response.status}, not 200")
        return _read_bounded(response, policy, deadline, unreachable)
    except (OSError, http.client.HTTPException) as exc:
        reason = "did not answer in time" if isinstance(exc, TimeoutError) else "could not be read"
        raise unreachable(reason) from None
    finally:
        if response is not None:
            response.close()
        connection.close()


def _read_bounded(
    response: http.client.HTTPResponse,
    policy: FetchPolicy,
    deadline: float,
    unreachable: Callable[[str], DocumentRefused],
) -> bytes:
    body = bytearray()
    while len(body) <= policy.max_bytes:
        if time.monotonic() > deadline:
            raise unreachable(f"took longer than {policy.timeout_seconds:g} s to answer")
        chunk = response.read(min(65536, policy.max_bytes + 1 - len(body)))
        if not chunk:
            break
        body += chunk
    if len(body) > policy.max_bytes:
        raise unreachable(f"sent more than {policy.max_bytes // 1024} KiB")
    return bytes(body)


def _child_urls(descriptor: Element) -> tuple[str, ...]:
    urls = []
    for service in descriptor.iter(_SSO_SERVICE):
        location = (service.get("Location") or "").strip()
        if location.startswith("https://"):
            urls.append(location)
    return tuple(urls)


def parse_saml_metadata(data: bytes) -> SamlMetadata:
    """An IdP's SAML 2.0 metadata: one `EntityDescriptor` with an `entityID` and an
    `IDPSSODescriptor` naming at least one https `SingleSignOnService`. Raises DocumentRefused
    (`sso_metadata_invalid`) for anything else, DTDs and entities included."""

    def invalid(why: str) -> DocumentRefused:
        return DocumentRefused("sso_metadata_invalid", f"The SAML metadata is not usable: {why}.")

    if len(data) > MAX_DOCUMENT_BYTES:
        raise invalid(f"it is larger than {MAX_DOCUMENT_BYTES // 1024} KiB")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise invalid("it is not UTF-8") from None
    try:
        root = fromstring(data, forbid_dtd=True)
    except DefusedXmlException:
        raise invalid("it declares a DTD or entities, which are not accepted") from None
    except (ParseError, ValueError):
        raise invalid("it is not well-formed XML") from None
    if root.tag != _ENTITY_DESCRIPTOR:
        raise invalid("its root is not one SAML 2.0 EntityDescriptor")
    entity_id = (root.get("entityID") or "").strip()
    if not entity_id:
        raise invalid("the EntityDescriptor has no entityID")
    descriptors = list(root.iter(_IDP_DESCRIPTOR))
    if not descriptors:
        raise invalid("it describes no identity provider (IDPSSODescriptor)")
    urls = tuple(url for d in descriptors for url in _child_urls(d))
    if not urls:
        raise invalid("it names no https:// SingleSignOnService")
    return SamlMetadata(entity_id=entity_id, sign_in_urls=urls, document=text)


def fetch_saml_metadata(url: str, policy: FetchPolicy) -> SamlMetadata:
    """Fetch and check the metadata at `url` (see `fetch`, `parse_saml_metadata`)."""
    data = fetch(url, policy, accept="application/samlmetadata+xml, application/xml, text/xml")
    return parse_saml_metadata(data)


def _endpoint(document: dict[str, object], name: str, policy: FetchPolicy) -> str:
    value = document.get(name)
    if not isinstance(value, str) or not value:
        raise DocumentRefused(
            "sso_discovery_invalid", f"The issuer's discovery document has no {name}."
        )
    scheme = urlsplit(value).scheme
    if scheme != "https" and not (scheme == "http" and policy.allow_loopback_http):
        raise DocumentRefused(
            "sso_discovery_invalid", f"The issuer's {name} is not an https:// address."
        )
    return value


def fetch_oidc_discovery(issuer: str, policy: FetchPolicy) -> OidcDiscovery:
    """The issuer's discovery document (OpenID Connect Discovery 1.0): fetched from
    `<issuer>/.well-known/openid-configuration`, naming exactly `issuer` (section 4.3) and https
    authorization, token and key endpoints. Raises DocumentRefused: `sso_url_not_allowed`,
    `sso_discovery_missing` (nothing usable at that address), `sso_discovery_invalid`."""
    parts = urlsplit(issuer)
    if parts.query or parts.fragment:
        raise _refuse_url(issuer, "an issuer has no query or fragment")
    url = issuer.rstrip("/") + DISCOVERY_PATH
    missing = DocumentRefused(
        "sso_discovery_missing",
        f"No OpenID Connect discovery document was found at {url[:200]}; check the issuer.",
    )
    try:
        data = fetch(url, policy, accept="application/json")
    except DocumentRefused as exc:
        if exc.code == "sso_url_not_allowed":
            raise
        raise missing from None
    try:
        document = json.loads(data)
    except ValueError:
        raise missing from None
    if not isinstance(document, dict):
        raise missing
    if document.get("issuer") != issuer:
        raise DocumentRefused(
            "sso_discovery_invalid",
            "The discovery document names a different issuer; give the issuer exactly as it "
            "names itself.",
        )
    return OidcDiscovery(
        issuer=issuer,
        authorization_endpoint=_endpoint(document, "authorization_endpoint", policy),
        token_endpoint=_endpoint(document, "token_endpoint", policy),
        jwks_uri=_endpoint(document, "jwks_uri", policy),
    )
