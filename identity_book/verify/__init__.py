"""Verification: decide whether each identity holds, and how strongly."""

from identity_book.verify.results import LevelResult, Result
from identity_book.verify.runner import verify_identity, verify_many

__all__ = ["LevelResult", "Result", "verify_identity", "verify_many"]
