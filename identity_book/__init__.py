"""identity-book: a machine-checked catalogue of matrix identities."""

__version__ = "0.1.0"
