"""Per-tenant search over ingested files, and the retrieval API the chat service imports:

retriever = S3Retriever.from_settings(settings)
passages = await retriever.retrieve(tenant, "pricing tiers", limit=5)
prompt_block = passages_as_data(within_budget(passages, max_chars=6000))
"""

from engageiq_files.search.retriever import (
    DATA_PREAMBLE,
    Retriever,
    S3Retriever,
    passages_as_data,
    within_budget,
)
from engageiq_files.search.service import Passage, TenantSearch

__all__ = [
    "DATA_PREAMBLE",
    "Passage",
    "Retriever",
    "S3Retriever",
    "TenantSearch",
    "passages_as_data",
    "within_budget",
]
