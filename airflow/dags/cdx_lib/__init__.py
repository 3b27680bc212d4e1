"""Shared building blocks of the customer-dynamics DAGs (not a DAG file; listed in .airflowignore).

Every job task is a :class:`CdxSparkSubmitOperator`: ``spark-submit --class org.customerdynamics.cli.Cdx
<jar> <subcommand> --run-date {{ ds }} --env <env> --conf-dir <dir> [--set k=v ...]``. Where the jar, the
conf folder, the environment, the Spark connection and the enabled stages come from is decided at RUN
time by templates, never at parse time: a DAG-run param wins (``airflow dags trigger -c '{...}'``), then the
Airflow Variable, then the default below. Nothing here reads a Variable or a Connection on import.

Variables (all optional):

``cdx_jar``            path or URL of customer-dynamics-jobs.jar        (default DEFAULTS["jar"])
``cdx_conf_dir``       conf folder on the submitting host; when it does not exist the copy bundled in the
                       jar is used                                       (default DEFAULTS["conf_dir"])
``cdx_env``            selects conf/env/<env>.yaml                       (default DEFAULTS["env"])
``cdx_spark_conn_id``  Airflow connection of the Spark master            (default DEFAULTS["spark_conn_id"])
``cdx_stages``         enabled stages: "all" or a comma-separated list, e.g. "ingest,refine"; a disabled
                       stage's tasks are skipped (and say so in their log), the rest of the DAG runs
``cdx_set``            extra ``--set key=value`` overrides for every job, whitespace-separated
``cdx_spark_conf``     JSON object of extra spark-submit --conf settings, e.g. {"spark.driver.memory": "4g"}
"""

from __future__ import annotations

import json
import shlex
from datetime import timedelta
from typing import Any, Sequence

from airflow.providers.apache.spark.operators.spark_submit import SparkSubmitOperator
from airflow.sdk import Param
from airflow.sdk.exceptions import AirflowSkipException

MAIN_CLASS = "org.customerdynamics.cli.Cdx"

DEFAULTS = {
    "jar": "/opt/customer-dynamics/customer-dynamics-jobs.jar",
    "conf_dir": "/opt/customer-dynamics/conf",
    "env": "prod",
    "spark_conn_id": "spark_default",
    "stages": "all",
    "set": "",
    "spark_conf": "{}",
}

# Daily stages in pipeline order (SPEC §4). The daily DAG has every one of them.
DAILY_STAGES = ["ingest", "refine", "identity", "journeys", "social", "features", "score", "report", "publish"]
MODELS = ["churn", "loyalty", "segments", "sentiment"]

# Data-quality gates: after a stage, each (table, predicate) must have at least one row. `{ds}` is the run
# date. Table names are the contract of docs/tables.md; where a stage's tables are not yet documented the
# entry is the expected name, and the end-to-end test (airflow/tests) checks it once the stage lands.
GATES: dict[str, list[tuple[str, str | None]]] = {
    "ingest": [("bronze.interactions", "landing_date = DATE'{ds}'")],
    "refine": [("silver.interactions", "event_date = DATE'{ds}'")],
    "identity": [
        ("silver.identity_map", None),
        ("silver.interactions", "event_date = DATE'{ds}' AND person_id IS NOT NULL"),
    ],
    "journeys": [("gold.person_profile", None), ("gold.channel_transitions", "run_date = DATE'{ds}'")],
    "social": [
        ("gold.social_edges", "run_date = DATE'{ds}'"),
        ("gold.influence", "run_date = DATE'{ds}'"),
        ("gold.communities", "run_date = DATE'{ds}'"),
    ],
    "features": [("gold.features", "snapshot_date = DATE'{ds}'")],
    "score": [("gold.scores", "snapshot_date = DATE'{ds}'")],
    "report": [
        ("reporting.customer_360", "report_date = DATE'{ds}'"),
        ("reporting.report_runs", "report_date = DATE'{ds}'"),
    ],
}

DEFAULT_ARGS = {
    "owner": "customer-dynamics",
    "retries": 2,
    "retry_delay": timedelta(minutes=5),
    "retry_exponential_backoff": 2.0,
    "max_retry_delay": timedelta(hours=1),
}


def setting(name: str) -> str:
    """Jinja for one setting, resolved at run time: DAG-run param, else Variable ``cdx_<name>``, else default."""
    default = json.dumps(DEFAULTS[name])
    return (
        "{{ params.%s if params.get('%s') not in (None, '') else var.value.get('cdx_%s', %s) }}"
        % (name, name, name, default)
    )


def dag_params() -> dict[str, Param]:
    """Run-time overrides of the settings (empty = use the Variable or the default)."""
    doc = {
        "jar": "Path or URL of customer-dynamics-jobs.jar (Variable cdx_jar).",
        "conf_dir": "Conf folder (Variable cdx_conf_dir).",
        "env": "conf/env/<env>.yaml to use (Variable cdx_env).",
        "spark_conn_id": "Spark connection id (Variable cdx_spark_conn_id).",
        "stages": "'all' or comma-separated enabled stages (Variable cdx_stages).",
        "set": "Extra whitespace-separated key=value overrides for every job (Variable cdx_set).",
        "spark_conf": "JSON object of extra spark-submit --conf settings (Variable cdx_spark_conf).",
    }
    return {k: Param(None, type=["null", "string"], description=v) for k, v in doc.items()}


def parse_stages(value: str | None) -> set[str] | None:
    """'all' (or empty) -> None (everything enabled); else the set of named stages."""
    text = (value or "").strip()
    if text in ("", "all", "*"):
        return None
    return {s for s in text.replace(",", " ").split() if s}


def gate_sql(stage: str) -> str:
    """A query that fails (Spark's assert_true raises) unless every gate table of the stage has rows."""
    checks = GATES[stage]
    counts, asserts = [], []
    for i, (table, predicate) in enumerate(checks):
        where = f" WHERE {predicate.format(ds='{{ ds }}')}" if predicate else ""
        counts.append(f"(SELECT count(*) FROM {table}{where}) AS c{i}")
        what = f"{table} has no rows" + (f" where {predicate.format(ds='{{ ds }}')}" if predicate else "")
        asserts.append(f"assert_true(c{i} > 0, 'data-quality gate after {stage}: {what.replace(chr(39), chr(34))}') AS ok{i}")
    return f"SELECT {', '.join(asserts)} FROM (SELECT {', '.join(counts)})"


class CdxSparkSubmitOperator(SparkSubmitOperator):
    """spark-submit of one cdx subcommand, with run-time settings and stage switches.

    ``stage`` names the stage the task belongs to (None: always runs): when the rendered ``stages``
    setting does not enable it, the task is skipped with a log line saying why (downstream tasks use trigger rule none_failed and
    go on). ``spark_conn_id``, ``extra_set`` and ``extra_conf`` are templated (the base operator's
    ``conn_id`` is not) and applied when the task executes.
    """

    template_fields: Sequence[str] = (
        *SparkSubmitOperator.template_fields,
        "spark_conn_id",
        "stages",
        "extra_set",
        "extra_conf",
    )

    def __init__(
        self,
        *,
        stage: str | None,
        spark_conn_id: str = setting("spark_conn_id"),
        stages: str = setting("stages"),
        extra_set: str = setting("set"),
        extra_conf: str = setting("spark_conf"),
        **kwargs: Any,
    ) -> None:
        kwargs.setdefault("trigger_rule", "none_failed")
        super().__init__(**kwargs)
        self.stage = stage
        self.spark_conn_id = spark_conn_id
        self.stages = stages
        self.extra_set = extra_set
        self.extra_conf = extra_conf

    def enabled(self) -> bool:
        wanted = parse_stages(self.stages)
        return self.stage is None or wanted is None or self.stage in wanted

    def resolve(self) -> None:
        """Applies the rendered run-time settings to the spark-submit call."""
        self._conn_id = self.spark_conn_id
        overrides = shlex.split(self.extra_set or "")
        for kv in overrides:
            if "=" not in kv:
                raise ValueError(f"Cannot use cdx_set entry {kv!r}: expected key=value")
        self.application_args = [*(self.application_args or []), *[a for kv in overrides for a in ("--set", kv)]]
        extra = json.loads(self.extra_conf or "{}")
        if not isinstance(extra, dict):
            raise ValueError(f"Cannot use cdx_spark_conf {self.extra_conf!r}: expected a JSON object")
        self.conf = {**(self.conf or {}), **{str(k): str(v) for k, v in extra.items()}}

    def execute(self, context: Any) -> None:
        if not self.enabled():
            raise AirflowSkipException(
                f"stage {self.stage!r} is not enabled for this run (stages={self.stages!r}); skipped"
            )
        self.resolve()
        self.log.info("spark-submit %s %s via connection %s", self.application, self.application_args, self._conn_id)
        return super().execute(context)


def cdx_task(task_id: str, stage: str | None, command: list[str], **kwargs: Any) -> CdxSparkSubmitOperator:
    """A task running ``cdx <command...> --run-date {{ ds }} --env .. --conf-dir ..`` for ``stage``
    (None: a task that runs whatever stages are enabled)."""
    return CdxSparkSubmitOperator(
        task_id=task_id,
        stage=stage,
        application=setting("jar"),
        java_class=MAIN_CLASS,
        name=f"cdx-{task_id}-{{{{ ds }}}}",
        application_args=[
            *command,
            "--run-date",
            "{{ ds }}",
            "--env",
            setting("env"),
            "--conf-dir",
            setting("conf_dir"),
        ],
        **kwargs,
    )


def gate_task(stage: str) -> CdxSparkSubmitOperator:
    """The data-quality gate after ``stage``: ``cdx sql`` over the stage's tables for the run date."""
    return cdx_task(f"check_{stage}", stage, ["sql", gate_sql(stage)])
