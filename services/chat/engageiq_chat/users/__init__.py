"""The tenant admin's user management (`/api/tenant/users`) over the tenancy library's
`UserDirectory`."""
