"""Shared test configuration."""

from __future__ import annotations

import importlib.util
import os
import sys
from collections.abc import Iterator
from typing import Any

import pytest

# pytester runs pytest inside the tests, for eventspec's pytest plugin (test_pytest_plugin.py)
pytest_plugins = ["pytester"]


@pytest.fixture(scope="session")
def engine_corpus(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """The NDJSON corpus the CLI, Spark and Dask all check (tests/engines.py)."""
    from engines import write_corpus

    return write_corpus(tmp_path_factory.mktemp("engine-corpus"))


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """A local Spark session with two cores, its Python workers in this interpreter."""
    from engines import java_major, need

    need("PySpark", bool(importlib.util.find_spec("pyspark") and importlib.util.find_spec("pyarrow")),
         "pip install 'eventspec[spark]'")
    major = java_major()
    need("Java 17 or later", major is not None and major >= 17,
         f"Spark 4 needs it (found {major or 'no java'}); apt-get install openjdk-17-jre-headless")
    # Spark's Python workers run `python3` from PATH unless told, not this venv.
    os.environ["PYSPARK_PYTHON"] = sys.executable
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    from pyspark.sql import SparkSession

    session = (
        SparkSession.builder.master("local[2]")
        .appName("eventspec-tests")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.sql.shuffle.partitions", "2")
        .getOrCreate()
    )
    session.sparkContext.setLogLevel("ERROR")
    yield session
    session.stop()


@pytest.fixture(scope="session")
def dask_client() -> Iterator[Any]:
    """A Dask LocalCluster of two worker processes (checking is pure Python: threads
    would share one core)."""
    from engines import need

    need("Dask", bool(importlib.util.find_spec("dask") and importlib.util.find_spec("distributed")),
         "pip install 'eventspec[dask]'")
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                      dashboard_address=None) as cluster, Client(cluster) as client:
        yield client
