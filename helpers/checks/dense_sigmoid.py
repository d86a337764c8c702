"""Exercise checks (filled in by the notebooks that use them)."""

__all__ = []
