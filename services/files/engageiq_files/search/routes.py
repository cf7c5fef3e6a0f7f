"""GET /api/files/search: the tenant's passages for a query (what chat retrieval returns),
only from files the caller may see (decision 0111), optionally within a scope."""

from __future__ import annotations

from typing import Annotated, Final

import msgspec
from litestar import get
from litestar.di import NamedDependency
from litestar.params import QueryParameter

from engageiq_files.catalog.access import audience_wall, search_scope
from engageiq_files.runtime import FilesRuntime
from engageiq_search.file_filter import FileFilter
from engageiq_search.service import Passage
from engageiq_tenancy.context import TenantContext
from engageiq_tenancy.error_codes import Errors
from engageiq_tenancy.errors import documented_errors
from engageiq_tenancy.governance import Freshness
from engageiq_tenancy.service import BEARER

MAX_SCOPE_IDS: Final = 50
"""Per kind of scope id: each file id is one GetItem."""


class FoundPassage(Passage, frozen=True, rename="camel"):
    """A passage with its file's trust (decision 0111)."""

    freshness: Freshness = Freshness.UNVERIFIED


class SearchResults(msgspec.Struct):
    results: list[FoundPassage]


@get(
    "/api/files/search",
    security=[BEARER],
    tags=["files"],
    responses=documented_errors(Errors.UNKNOWN_SCOPE),
)
async def search_files(
    tenant: NamedDependency[TenantContext],
    files: NamedDependency[FilesRuntime],
    q: Annotated[str, QueryParameter(min_length=1, max_length=500)],
    limit: Annotated[int, QueryParameter(ge=1, le=50)] = 5,
    # Named as the API names them: a refused value (51 ids) is reported under the Python name.
    collectionId: Annotated[
        list[str] | None,
        QueryParameter(
            max_items=MAX_SCOPE_IDS,
            description="Search only the files of this collection (repeatable).",
        ),
    ] = None,
    fileId: Annotated[
        list[str] | None,
        QueryParameter(
            max_items=MAX_SCOPE_IDS,
            description="Search only this file (repeatable; with `collectionId`, either).",
        ),
    ] = None,
) -> SearchResults:
    """Passages best first, each with its file's `freshness`. 400 `unknown_scope` for a scope
    id that does not exist or that the caller may not see."""
    wall = await audience_wall(files, tenant)
    scope = await search_scope(files, wall, collectionId or (), fileId or ())
    hits = await files.search.search(tenant, q, limit, FileFilter(scope, wall.hidden_files()))
    return SearchResults(
        results=[
            FoundPassage(**msgspec.structs.asdict(p), freshness=wall.view.freshness_of(p.file_id))
            for p in hits
        ]
    )
