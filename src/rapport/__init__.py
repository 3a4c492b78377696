"""rapport: relationship-first social media analytics."""

__version__ = "0.1.0"
