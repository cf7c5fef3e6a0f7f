"""Plays: named prompt templates with variables, the tenant's shared ones and each user's own."""
