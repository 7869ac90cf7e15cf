"""Tripod: proactive IT maintenance for managed service providers (controller side)."""

__version__ = "0.1.0"
