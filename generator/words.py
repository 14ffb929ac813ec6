"""Counts written as words, the same on pages and in the command's output."""


def count_of(count: int, noun: str) -> str:
    """'1 paper', '9,877 papers': the noun in the plural unless there is exactly one."""
    return f"{count:,} {noun}" if count == 1 else f"{count:,} {noun}s"
