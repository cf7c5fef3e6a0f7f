"""The content loop (decision 0111): content issues from rated answers, the signals each turn
records, and the tenant's content health."""
