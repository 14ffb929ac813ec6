"""Paper Digest: a static site generator for a curated digest of AI research papers."""
import os

__version__ = "0.1.0"

# NumPy's OpenBLAS starts a thread per core as it loads, and those threads spin for a while
# before they sleep. The build makes no BLAS call (its matrix products are SciPy's sparse ones),
# so they only took CPU from the build's own processes: 0.07 s of a 1,000-paper cold build's
# 1.5 s (bench/RESULTS.md). Set before any module imports NumPy; a value the user set is kept.
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
