"""Ingestion: parse an uploaded document within bounds, chunk it with positions, and hand the
chunks to the tenant's index. Status goes pending -> processing -> ready | failed(reason)."""
