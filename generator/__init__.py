"""Paper Digest: a static site generator for a curated digest of AI research papers."""

__version__ = "0.1.0"
