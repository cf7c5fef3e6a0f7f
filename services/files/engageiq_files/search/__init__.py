"""What only the files service does for search: building a tenant's index after its files
change (`builder`, in a bounded child process: `build_process`) and the search route
(`routes`). The index itself, its store and retrieval are the `engageiq_search` library,
which the chat service imports too (decision 0093)."""
