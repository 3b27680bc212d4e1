"""cdx_weekly_training: retrain the four models as of the run date (``{{ ds }}``, the week's first day).

train_churn ∥ train_loyalty ∥ train_segments ∥ train_sentiment → check_models. Each train job evaluates its
model on a time-based holdout and applies the quality gate itself: every model is recorded in the model
registry with its gate verdict, and only one that passes is promoted (scoring keeps the last champion).
``check_models`` then asserts that the registry holds this run's entries. Settings as for cdx_daily
(airflow/dags/cdx_lib, docs/operations.md).
"""

from __future__ import annotations

import pendulum
from airflow.sdk import DAG
from airflow.timetables.interval import CronDataIntervalTimetable
from cdx_lib import DEFAULT_ARGS, MODELS, cdx_task, dag_params

# The registry's table (docs/tables.md): one row per trained model version.
REGISTRY = "gold.model_registry"

with DAG(
    dag_id="cdx_weekly_training",
    description="Weekly training of the churn, loyalty, segments and sentiment models (gated promotion)",
    doc_md=__doc__,
    # One run per week: the run for the week starting Sunday W starts at W+7 06:00 UTC with ds = W.
    schedule=CronDataIntervalTimetable("0 6 * * 0", timezone="UTC"),
    start_date=pendulum.datetime(2026, 1, 4, tz="UTC"),
    catchup=True,
    max_active_runs=1,
    default_args=DEFAULT_ARGS,
    params=dag_params(),
    tags=["customer-dynamics", "weekly", "training", "spark"],
) as dag:
    trains = [cdx_task(f"train_{m}", "train", ["train", "--model", m]) for m in MODELS]
    check = cdx_task(
        "check_models",
        "train",
        [
            "sql",
            "SELECT assert_true(count(DISTINCT model_name) = %d, 'model registry lacks an entry for some model"
            " trained on {{ ds }}') AS ok FROM %s WHERE trained_for_date = DATE'{{ ds }}'" % (len(MODELS), REGISTRY),
        ],
    )
    trains >> check
