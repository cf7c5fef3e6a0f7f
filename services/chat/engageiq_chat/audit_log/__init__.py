"""The tenant's audit log for its admins: `GET /api/tenant/audit` and its export (decision
0118). The log itself is `engageiq_tenancy.audit`."""
