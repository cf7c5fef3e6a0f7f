"""An identity provider's documents served from 127.0.0.1, so SSO tests never need the
internet: SAML metadata, an OIDC discovery document, and whatever broken answers a test wants."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

SAML_METADATA = """<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata"
    entityID="https://idp.acme.example/saml">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
        Location="https://idp.acme.example/saml/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>
"""

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="&lol2;"/>
"""


@dataclass
class IdpServer:
    """Paths -> (status, content type, body); anything else is 404."""

    base_url: str = ""
    answers: dict[str, tuple[int, str, bytes]] = field(default_factory=dict)

    def serve(self, path: str, body: str | bytes, status: int = 200, kind: str = "") -> str:
        data = body.encode() if isinstance(body, str) else body
        self.answers[path] = (status, kind or "application/octet-stream", data)
        return self.base_url + path

    def saml(self, path: str = "/saml/metadata", body: str = SAML_METADATA) -> str:
        return self.serve(path, body, kind="application/samlmetadata+xml")

    def oidc(self, issuer_path: str = "/oidc", *, issuer: str | None = None) -> str:
        """An issuer at `issuer_path` whose discovery document names `issuer` (itself)."""
        own = self.base_url + issuer_path
        document = {
            "issuer": issuer or own,
            "authorization_endpoint": f"{own}/authorize",
            "token_endpoint": f"{own}/token",
            "jwks_uri": f"{own}/jwks",
        }
        self.serve(
            f"{issuer_path}/.well-known/openid-configuration",
            json.dumps(document),
            kind="application/json",
        )
        return own


@contextmanager
def idp_server() -> Iterator[IdpServer]:
    state = IdpServer()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            status, kind, body = state.answers.get(self.path, (404, "text/plain", b"not found"))
            self.send_response(status)
            self.send_header("Content-Type", kind)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    state.base_url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield state
    finally:
        server.shutdown()
        server.server_close()
