"""cdx_maintenance: weekly OPTIMIZE and VACUUM of the lakehouse tables (``cdx maintain``).

Retention and the tables covered come from the ``maintain`` section of the configuration. Run outside the
daily pipeline's window; VACUUM never removes files younger than the configured retention, so it is safe
beside readers. Settings as for cdx_daily (airflow/dags/cdx_lib, docs/operations.md).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from cdx_lib import DEFAULT_ARGS, cdx_task, dag_params

with DAG(
    dag_id="cdx_maintenance",
    description="Weekly OPTIMIZE/VACUUM of the Delta tables",
    doc_md=__doc__,
    schedule=CronDataIntervalTimetable("0 8 * * 6", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 3, tz="UTC"),
    # Maintenance of past weeks is pointless: only the latest interval runs.
    catchup=False,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=dag_params(),
    tags=["customer-dynamics", "maintenance", "spark"],
) as dag:
    maintain = cdx_task("maintain", "maintain", ["maintain"])
