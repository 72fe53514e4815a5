"""Byte counts as AWS writes them: 1 MB = 1,048,576 bytes, so Lambda's limit reads "250.0 MB"."""

from __future__ import annotations


def human_size(size: int) -> str:
    """``812 B``, ``14.2 KB``, ``87.5 MB``."""
    if size < 1024:
        return f"{size} B"
    if size < 1024 * 1024:
        return f"{size / 1024:.1f} KB"
    return f"{size / (1024 * 1024):.1f} MB"
