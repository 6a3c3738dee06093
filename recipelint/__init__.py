"""recipelint: a linter for Co-op Cloud recipes and their overlay tests."""

__version__ = "0.1.0"
