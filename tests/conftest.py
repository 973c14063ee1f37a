"""Shared test configuration."""

# pytester runs pytest inside the tests, for eventspec's pytest plugin (test_pytest_plugin.py)
pytest_plugins = ["pytester"]
