"""Settings for the whole test run (tests, doctests in docs/ and src/)."""

import os

from hypothesis import settings

# In CI every run explores the same examples, so a landing never hinges on luck;
# locally Hypothesis keeps exploring new ones (and remembers what it found).
settings.register_profile("ci", derandomize=True, database=None)
if os.environ.get("CI"):
    settings.load_profile("ci")
