"""`GET /api/branding?tenant=<slug>`: the one unauthenticated read of tenant data.

The sign-in page shows a tenant's name, colour and logo before anyone has a token (opened on
`<tenant>.<domain>` or with `?tenant=`). So the answer reveals exactly those three and nothing
else: an unknown, suspended, offboarded or malformed slug answers the same default EngageIQ
branding, with the same status and shape. Answers are kept per process for `cache_seconds`
(unknown slugs too, so repeating one costs nothing), the cache is bounded, and reads that miss
it are rate-bounded per process: one GetItem by key each, never a scan. Past the bound every
slug alike gets 429 `rate_limited`."""

from __future__ import annotations

from typing import Annotated

from litestar import Response, get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from engageiq_chat.branding.directory import CACHE_SECONDS, BrandingDirectory, PublicBranding
from engageiq_tenancy.auth import PUBLIC_OPT_KEY
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import documented_errors


@get(
    "/api/branding",
    opt={PUBLIC_OPT_KEY: True},
    tags=["tenant"],
    summary="A tenant's public branding (no sign-in needed)",
    responses=documented_errors(Errors.BRANDING_RATE_LIMITED),
)
async def public_branding(
    branding: NamedDependency[BrandingDirectory],
    # Not named `tenant`: that is the verified caller's dependency, which a public route has not.
    # No length rule: an over-long slug is malformed like any other and gets the default.
    slug: Annotated[str, QueryParameter(name="tenant")] = "",
) -> Response[PublicBranding]:
    """`{displayName, primaryColor, logoUrl}` of the active tenant `tenant`; the default
    EngageIQ branding for any other slug (unknown, suspended, offboarded or malformed), with
    the same status and shape. 429 `rate_limited` (Retry-After: 1) past the read bound."""
    answer = await branding.branding(slug)
    return Response(answer, headers={"Cache-Control": f"public, max-age={int(CACHE_SECONDS)}"})
