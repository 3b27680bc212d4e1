"""Test setup for the DAG tests: a private AIRFLOW_HOME (SQLite) set before Airflow is imported."""

from __future__ import annotations

import atexit
import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "airflow" / "dags"

# Airflow reads its configuration when first imported: point it at a throwaway home first.
_HOME = Path(tempfile.mkdtemp(prefix="cdx-airflow-home-"))
atexit.register(shutil.rmtree, _HOME, ignore_errors=True)
os.environ["AIRFLOW_HOME"] = str(_HOME)
os.environ["AIRFLOW__CORE__DAGS_FOLDER"] = str(DAGS)
os.environ["AIRFLOW__CORE__LOAD_EXAMPLES"] = "False"
os.environ["AIRFLOW__CORE__UNIT_TEST_MODE"] = "True"
# No Variable or Connection may come from the environment of whoever runs the tests.
for _name in list(os.environ):
    if _name.startswith(("AIRFLOW_VAR_", "AIRFLOW_CONN_")):
        del os.environ[_name]
# The DAG files import cdx_lib from the DAGs folder, as the DAG processor does for a bundle.
if str(DAGS) not in sys.path:
    sys.path.insert(0, str(DAGS))


@pytest.fixture(scope="session")
def dagbag():
    """All DAGs, parsed with Variable and Connection lookups made to fail (none may happen at parse)."""
    from unittest import mock

    from airflow.dag_processing.dagbag import BundleDagBag

    def forbidden(*args, **kwargs):
        raise AssertionError(f"Variable/Connection looked up at parse time: {args} {kwargs}")

    patches = [
        mock.patch("airflow.sdk.Variable.get", side_effect=forbidden),
        mock.patch("airflow.sdk.BaseHook.get_connection", side_effect=forbidden),
        mock.patch("airflow.models.variable.Variable.get", side_effect=forbidden),
        mock.patch("airflow.models.connection.Connection.get_connection_from_secrets", side_effect=forbidden),
    ]
    for p in patches:
        p.start()
    try:
        bag = BundleDagBag(DAGS, bundle_path=DAGS)
    finally:
        for p in patches:
            p.stop()
    return bag
