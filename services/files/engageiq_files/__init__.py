"""EngageIQ files service."""
