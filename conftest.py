"""Settings for the whole test run (tests, doctests in docs/ and src/)."""

import importlib.util
import os

from hypothesis import settings

# In CI every run explores the same examples, so a landing never hinges on luck;
# locally Hypothesis keeps exploring new ones (and remembers what it found).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")

# The engine adapters import their engine; without it (the `scale` extra) their modules
# are left out of the doctest collection, and tests/test_spark.py and test_dask.py say why
# they skip (or, in CI, fail).
collect_ignore = [
    f"src/eventspec/{module}.py"
    for module, needs in (("spark", ("pyspark", "pyarrow")), ("dask", ("dask", "distributed", "pyarrow")))
    if not all(importlib.util.find_spec(name) for name in needs)
]
