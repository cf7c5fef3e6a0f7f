"""Single sign-on in the chat service: the tenant admin's OIDC connection (`/api/tenant/sso`)
and email-first sign-in routing (`POST /api/sign-in/route`, no token), decision 0120."""
