"""Runs one DAG run in-process with dag.test() and prints the task states as JSON on the last line.

Usage: python e2e_run_dag.py DAG_ID YYYY-MM-DD RUN_CONF_JSON. Run in a fresh process whose environment
(AIRFLOW_HOME, AIRFLOW_VAR_*, AIRFLOW_CONN_*) the caller prepared, after `airflow db migrate`.
"""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pendulum
from airflow.dag_processing.dagbag import BundleDagBag


def main() -> None:
    dag_id, day, conf = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    dags = Path(os.environ["AIRFLOW__CORE__DAGS_FOLDER"])
    bag = BundleDagBag(dags, bundle_path=dags)
    if bag.import_errors:
        raise SystemExit(f"DAG import errors: {bag.import_errors}")
    dag = bag.dags[dag_id]
    for task in dag.tasks:
        # One attempt: a failure should fail the test now, not after exponential backoff.
        task.retries = 0
    run = dag.test(logical_date=pendulum.parse(day, tz="UTC"), run_conf=conf)
    states = {ti.task_id: str(ti.state) for ti in run.get_task_instances()}
    print(json.dumps({"dag_run": str(run.state), "tasks": states}))


if __name__ == "__main__":
    main()
