"""Per-tenant search over a tenant's ingested files: the index (BM25 over stemmed tokens),
its format, its store in S3 and DynamoDB, the byte-bounded cache, and the retrieval API both
services import. The files service builds and publishes indexes; the chat service reads
them (decision 0093). It imports no service package, only `engageiq_tenancy`.

retriever = S3Retriever.from_settings(settings)
passages = await retriever.retrieve(tenant, "pricing tiers", limit=5)
prompt_block = passages_as_data(within_budget(passages, max_chars=6000))
"""

from engageiq_search.retriever import (
    DATA_PREAMBLE,
    Retriever,
    S3Retriever,
    passages_as_data,
    within_budget,
)
from engageiq_search.service import Passage, TenantSearch

__all__ = [
    "DATA_PREAMBLE",
    "Passage",
    "Retriever",
    "S3Retriever",
    "TenantSearch",
    "passages_as_data",
    "within_budget",
]
