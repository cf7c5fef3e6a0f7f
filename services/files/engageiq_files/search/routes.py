"""GET /api/files/search: the tenant's passages for a query (what chat retrieval returns)."""

from __future__ import annotations

from typing import Annotated

import msgspec
from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from engageiq_files.runtime import FilesRuntime
from engageiq_search.service import Passage
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.service import BEARER


class SearchResults(msgspec.Struct):
    results: list[Passage]


@get("/api/files/search", security=[BEARER], tags=["files"])
async def search_files(
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    q: Annotated[str, QueryParameter(min_length=1, max_length=500)],
    limit: Annotated[int, QueryParameter(ge=1, le=50)] = 5,
) -> SearchResults:
    return SearchResults(results=await files.search.search(tenant, q, limit))
