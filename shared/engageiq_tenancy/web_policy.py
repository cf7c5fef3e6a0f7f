"""The web app's response headers: ONE owner for the Content-Security-Policy that the local
edge sends and the CloudFront response-headers policy sets (issue 9).

Scripts and styles come only from the app's own origin (no `unsafe-inline`, no `eval`); the
API docs pages under `/api/*` are served by the services with their own headers, so this
policy applies to the web app's responses only. `connect-src` names what the browser calls
besides the app's origin: the S3 endpoint of presigned uploads and, in the cloud, Cognito
(the Hosted UI token endpoint and the user-pool API). Locally the edge proxies Cognito on the
same origin and only moto's endpoint (presigned S3 POSTs) is added."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Final

# Cognito's user-pool API and managed-login (Hosted UI) domains, and S3 presigned POSTs to
# the uploads bucket (virtual-hosted `https://<bucket>.s3.<region>.amazonaws.com`). A CSP
# wildcard covers one or more leftmost labels.
CLOUD_CONNECT_SOURCES: Final = ("https://*.amazonaws.com", "https://*.amazoncognito.com")


def content_security_policy(connect_sources: Iterable[str] = ()) -> str:
    """The policy string; `connect_sources` are origins the app may call besides its own."""
    connect = " ".join(("'self'", *connect_sources))
    directives = (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        # Tenant logos are https URLs chosen by tenant admins; markdown images are not
        # rendered at all (web/src/lib/markdown.ts).
        "img-src 'self' data: https:",
        "font-src 'self'",
        f"connect-src {connect}",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
    return "; ".join(directives)


CLOUD_CONTENT_SECURITY_POLICY: Final = content_security_policy(CLOUD_CONNECT_SOURCES)
"""What the CloudFront response-headers policy sets on the web app's responses."""

OTHER_SECURITY_HEADERS: Final[Mapping[str, str]] = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Frame-Options": "DENY",
}
"""Sent with the policy on every web app response, locally and by CloudFront."""

IMMUTABLE_CACHE: Final = "public, max-age=31536000, immutable"
"""Cache-Control of Vite's content-hashed files (`/assets/*`)."""
REVALIDATE_CACHE: Final = "no-cache"
"""Cache-Control of `index.html`, `config.json` and every other unhashed file."""
HASHED_ASSETS_PREFIX: Final = "/assets/"
