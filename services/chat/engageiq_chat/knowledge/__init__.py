"""Governed knowledge in chat (decision 0111): a conversation's scope, what a caller may
retrieve and be shown of the tenant's files, and how each source's freshness reaches the
prompt, the stream and the stored answer."""
