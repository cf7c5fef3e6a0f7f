"""A tenant's public branding for the sign-in page (`/api/branding`, no token needed)."""
