"""Prompt routing: every message gets an intent, and each intent its template and model tier."""
