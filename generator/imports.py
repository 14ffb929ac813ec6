"""Modules registered to load on first use instead of when something lists them.

`from scipy import sparse` runs SciPy's array-API layer, which clones NumPy by looking up every
name NumPy lists. Each lookup of a NumPy submodule imports it: f2py, testing (and unittest), ma,
polynomial and more, none of which the build uses: two fifths of the import of SciPy,
paid by every `digest` command that builds. Deferred, each is an empty module until one of its
attributes is read, and then loads as it would have (importlib.util.LazyLoader). SciPy's sparse
matrices are deferred the same way: a build reads them only in the process that works out
related papers (build/parallel.py), so the main process never loads them.
"""
from __future__ import annotations

import importlib.util
import sys
from collections.abc import Iterable

# What SciPy's clone of NumPy imports and the build never reads.
UNUSED_NUMPY_MODULES = ("numpy.f2py", "numpy.testing", "numpy.ma", "numpy.polynomial",
                        "numpy.ctypeslib", "numpy.rec", "numpy.char", "numpy.strings")


def defer(names: Iterable[str]) -> None:
    """Register each module, not yet imported, to load when first used. Its package must be imported."""
    for name in names:
        if name in sys.modules:
            continue
        spec = importlib.util.find_spec(name)
        if spec is None or spec.loader is None:
            continue
        spec.loader = importlib.util.LazyLoader(spec.loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
        package, _, attribute = name.rpartition(".")
        # `import numpy.ma as ma` reads the package's attribute: without it NumPy's __getattr__
        # would import the module again, and find itself called back.
        setattr(sys.modules[package], attribute, module)
