"""DAG integrity, structure and rendered spark-submit arguments (no Spark, no database)."""

from __future__ import annotations

import copy
import datetime as dt
import json
from pathlib import Path

import pytest

DAGS = Path(__file__).resolve().parents[1] / "dags"

EXPECTED_DAGS = {"cdx_daily", "cdx_weekly_training", "cdx_maintenance"}
DS = "2026-01-02"


def test_every_dag_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert set(dagbag.dag_ids) == EXPECTED_DAGS


def test_one_dag_per_file_and_dag_id_is_the_file_stem(dagbag):
    for dag_id, dag in dagbag.dags.items():
        assert Path(dag.fileloc).stem == dag_id
    files = sorted(p.stem for p in DAGS.glob("*.py"))
    assert files == sorted(EXPECTED_DAGS)


@pytest.mark.parametrize("dag_id", sorted(EXPECTED_DAGS))
def test_dag_policies(dagbag, dag_id):
    from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator

    dag = dagbag.dags[dag_id]
    assert dag.tags and "customer-dynamics" in dag.tags
    assert dag.start_date.tzinfo is not None and dag.start_date.utcoffset() == dt.timedelta(0)
    assert dag.max_active_runs == 1
    assert dag.catchup is (dag_id != "cdx_maintenance")
    assert dag.doc_md
    for task in dag.tasks:
        assert isinstance(task, SparkSubmitOperator), task.task_id
        assert task.retries >= 2, task.task_id
        assert task.retry_exponential_backoff > 0, task.task_id
        assert task.retry_delay >= dt.timedelta(minutes=1)
        assert task._java_class == "org.customerdynamics.cli.Cdx"
        args = task.application_args
        i = args.index("--run-date")
        assert args[i + 1] == "{{ ds }}", task.task_id
        # Settings are templates resolved at run time, never values read at parse time.
        assert "var.value.get('cdx_jar'" in task.application
        assert "var.value.get('cdx_spark_conn_id'" in task.spark_conn_id


def test_daily_structure(dagbag):
    dag = dagbag.dags["cdx_daily"]
    down = {t.task_id: set(t.downstream_task_ids) for t in dag.tasks}
    assert down == {
        "preflight": {"ingest"},
        "ingest": {"check_ingest"},
        "check_ingest": {"refine"},
        "refine": {"check_refine"},
        "check_refine": {"identity"},
        "identity": {"check_identity"},
        "check_identity": {"journeys", "social"},
        "journeys": {"check_journeys"},
        "social": {"check_social"},
        "check_journeys": {"features"},
        "check_social": {"features"},
        "features": {"check_features"},
        "check_features": {"score"},
        "score": {"check_score"},
        "check_score": {"report"},
        "report": {"check_report"},
        "check_report": {"publish"},
        "publish": set(),
    }
    for t in dag.tasks:
        # A disabled (skipped) stage must not stop the stages after it.
        assert t.trigger_rule == "none_failed"
        assert t.depends_on_past


def test_weekly_training_structure(dagbag):
    dag = dagbag.dags["cdx_weekly_training"]
    down = {t.task_id: set(t.downstream_task_ids) for t in dag.tasks}
    assert down == {
        "train_churn": {"check_models"},
        "train_loyalty": {"check_models"},
        "train_segments": {"check_models"},
        "train_sentiment": {"check_models"},
        "check_models": set(),
    }
    for model in ["churn", "loyalty", "segments", "sentiment"]:
        args = dag.get_task(f"train_{model}").application_args
        assert args[:3] == ["train", "--model", model]


def test_maintenance_structure(dagbag):
    dag = dagbag.dags["cdx_maintenance"]
    assert [t.task_id for t in dag.tasks] == ["maintain"]
    assert dag.get_task("maintain").application_args[0] == "maintain"


class _Vars:
    def __init__(self, values):
        self.values = values

    def get(self, key, default=None):
        return self.values.get(key, default)


def render(dag, task_id, variables=None, conf=None):
    """The task as it runs: templates rendered with the given Variables and run conf, settings applied."""
    task = copy.deepcopy(dag.get_task(task_id))
    params = {k: v.value if hasattr(v, "value") else v for k, v in dag.params.items()}
    params.update(conf or {})
    context = {"ds": DS, "params": params, "var": {"value": _Vars(variables or {}), "json": _Vars({})}}
    task.render_template_fields(context, jinja_env=dag.get_template_env())
    return task


def test_rendered_arguments_use_defaults_without_variables(dagbag):
    task = render(dagbag.dags["cdx_daily"], "ingest")
    assert task.application == "/opt/customer-dynamics/customer-dynamics-jobs.jar"
    assert task.name == f"cdx-ingest-{DS}"
    assert task.application_args == [
        "ingest", "--run-date", DS, "--env", "prod", "--conf-dir", "/opt/customer-dynamics/conf",
    ]
    task.resolve()
    assert task._conn_id == "spark_default"
    assert task.enabled()


def test_rendered_arguments_follow_variables_then_run_conf(dagbag):
    variables = {
        "cdx_jar": "/srv/cdx/jobs.jar",
        "cdx_conf_dir": "/srv/cdx/conf",
        "cdx_env": "staging",
        "cdx_spark_conn_id": "spark_cluster",
        "cdx_set": "lakehouse=s3a://b/lh spark.shuffle-partitions=64",
        "cdx_spark_conf": '{"spark.driver.memory": "4g"}',
    }
    dag = dagbag.dags["cdx_daily"]
    task = render(dag, "refine", variables)
    task.resolve()
    assert task.application == "/srv/cdx/jobs.jar"
    assert task.application_args == [
        "refine", "--run-date", DS, "--env", "staging", "--conf-dir", "/srv/cdx/conf",
        "--set", "lakehouse=s3a://b/lh", "--set", "spark.shuffle-partitions=64",
    ]
    assert task._conn_id == "spark_cluster"
    assert task.conf == {"spark.driver.memory": "4g"}
    # A DAG-run param beats the Variable.
    task = render(dag, "refine", variables, conf={"env": "prod", "jar": "/tmp/other.jar"})
    assert task.application == "/tmp/other.jar"
    assert task.application_args[4] == "prod"


def test_stages_switch_skips_disabled_stages(dagbag):
    from airflow.sdk.exceptions import AirflowSkipException

    dag = dagbag.dags["cdx_daily"]
    conf = {"stages": "ingest, refine"}
    assert render(dag, "ingest", conf=conf).enabled()
    assert render(dag, "check_refine", conf=conf).enabled()
    assert render(dag, "preflight", conf=conf).enabled()
    social = render(dag, "social", conf=conf)
    assert not social.enabled()
    with pytest.raises(AirflowSkipException, match="not enabled"):
        social.execute({})
    assert not render(dag, "identity", variables={"cdx_stages": "ingest"}).enabled()
    assert render(dag, "identity", variables={"cdx_stages": "all"}).enabled()


def test_gate_sql_is_rendered_for_the_run_date(dagbag):
    dag = dagbag.dags["cdx_daily"]
    task = render(dag, "check_ingest")
    assert task.application_args[0] == "sql"
    sql = task.application_args[1]
    assert "FROM bronze.interactions WHERE landing_date = DATE'2026-01-02'" in sql
    assert "assert_true(c0 > 0" in sql
    assert task.application_args[2:4] == ["--run-date", DS]
    identity = render(dag, "check_identity").application_args[1]
    assert "silver.identity_map" in identity and "person_id IS NOT NULL" in identity


def test_bad_settings_fail_clearly(dagbag):
    dag = dagbag.dags["cdx_daily"]
    with pytest.raises(ValueError, match="expected key=value"):
        render(dag, "ingest", {"cdx_set": "lakehouse"}).resolve()
    with pytest.raises(ValueError, match="JSON object"):
        render(dag, "ingest", {"cdx_spark_conf": json.dumps(["x"])}).resolve()
