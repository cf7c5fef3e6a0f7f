"""EngageIQ chat service."""
