"""Collections (decision 0111): named groups of a tenant's files, each with an optional
audience; created, renamed, re-audienced and deleted by tenant admins, listed by everyone they
admit. The audience rule itself is `engageiq_tenancy.governance`'s."""
