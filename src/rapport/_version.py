"""rapport's version, in one place (read by the package, the report and the CLI)."""

__version__ = "0.1.0"
