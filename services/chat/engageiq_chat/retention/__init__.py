"""Retention the tenant controls (decision 0122): the sweep that applies a tenant's policy."""
