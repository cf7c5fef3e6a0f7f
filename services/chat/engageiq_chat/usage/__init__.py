"""Per-tenant monthly usage counters and the token budget they are held to."""
