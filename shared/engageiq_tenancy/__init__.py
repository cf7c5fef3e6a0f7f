"""EngageIQ tenancy library.

Everything both services need to serve exactly one tenant per request: the verified
`TenantContext`, key builders that only accept that context, the resource spec shared with
the Pulumi program and the local platform, one error shape, and structured logs.
"""
