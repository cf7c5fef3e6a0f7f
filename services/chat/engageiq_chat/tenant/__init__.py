"""Your organisation: its record and branding (`/api/tenant`) and this month's usage report
(`/api/tenant/usage`)."""
