"""cdx_daily: the daily customer-dynamics pipeline for one date (the run's logical date, ``{{ ds }}``).

preflight → ingest → refine → identity → journeys ∥ social → features → score → report → publish, with a
data-quality gate (``check_<stage>``: ``cdx sql`` asserting the stage's tables have rows for the date)
after each stage. Every job is idempotent for its date, so catchup, retries and ``airflow tasks clear``
are safe. Settings (jar, conf dir, env, Spark connection, enabled stages) are resolved at run time:
see airflow/dags/cdx_lib and docs/operations.md.
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from cdx_lib import DAILY_STAGES, DEFAULT_ARGS, GATES, cdx_task, dag_params, gate_task

with DAG(
    dag_id="cdx_daily",
    description="Daily pipeline: ingest, refine, identity, journeys, social, features, score, report, publish",
    doc_md=__doc__,
    # One run per day of data: the run for day D starts at D+1 02:00 UTC with ds = D.
    schedule=CronDataIntervalTimetable("0 2 * * *", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 1, tz="UTC"),
    catchup=True,
    max_active_runs=1,
    default_args={**DEFAULT_ARGS, "depends_on_past": True},
    params=dag_params(),
    tags=["customer-dynamics", "daily", "spark"],
) as dag:
    # Reaches the jar, the conf, the Spark master and the catalog (creating the databases) before any work.
    preflight = cdx_task("preflight", None, ["sql", "SHOW DATABASES"])

    jobs = {stage: cdx_task(stage, stage, [stage]) for stage in DAILY_STAGES}
    gates = {stage: gate_task(stage) for stage in DAILY_STAGES if stage in GATES}

    # Each stage's job is followed by its gate, if it has one; `done[stage]` is the stage's last task.
    done = {}
    for stage, job in jobs.items():
        if stage in gates:
            job >> gates[stage]
        done[stage] = gates.get(stage, job)

    preflight >> jobs["ingest"]
    done["ingest"] >> jobs["refine"]
    done["refine"] >> jobs["identity"]
    done["identity"] >> [jobs["journeys"], jobs["social"]]
    [done["journeys"], done["social"]] >> jobs["features"]
    done["features"] >> jobs["score"]
    done["score"] >> jobs["report"]
    done["report"] >> jobs["publish"]
