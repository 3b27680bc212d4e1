"""One real run of cdx_daily for one date: Airflow 3 (SQLite), SparkSubmitOperator, the pinned pyspark's
spark-submit on local[2], the real jar, against a landing zone made by `cdx generate`.

E2E_STAGES is the one list to edit as stages land (or set CDX_E2E_STAGES="ingest,refine,..."). A stage in
the list whose subcommand the jar still reports as not yet available (its class extends PendingCommand) is
run as disabled: its tasks must be skipped, and the test says which. Every enabled stage must succeed,
pass its data-quality gate (cdx sql over its tables for the date) and leave its Delta tables behind.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
DAGS = REPO / "airflow" / "dags"

sys.path.insert(0, str(DAGS))
from cdx_lib import DAILY_STAGES, GATES  # noqa: E402

# Stages the end-to-end run enables (publish also needs bin/postgres; add it with the serving-db setup).
E2E_STAGES = ["ingest", "refine", "identity", "journeys", "report"]

RUN_DATE = "2026-01-02"
GENERATE = ["--seed", "7", "--persons", "300", "--days", "3", "--start", "2026-01-01"]
JAR = REPO / "jobs" / "target" / "customer-dynamics-jobs.jar"
VENV_BIN = Path(sys.executable).parent


def _spark_home() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent


def _ensure_jar() -> Path:
    """The cluster jar: $CDX_JAR, else jobs/target's, rebuilt with Maven when older than the sources."""
    if os.environ.get("CDX_JAR"):
        return Path(os.environ["CDX_JAR"])
    sources = [REPO / "pom.xml", REPO / "jobs" / "pom.xml", *(REPO / "jobs" / "src" / "main").rglob("*"),
               *(REPO / "conf").rglob("*")]
    newest = max(p.stat().st_mtime for p in sources if p.is_file())
    if not JAR.exists() or JAR.stat().st_mtime < newest:
        subprocess.run(["mvn", "-B", "-q", "package", "-DskipTests"], cwd=REPO, check=True)
    return JAR


def pending_subcommands(jar: Path) -> set[str]:
    """Subcommands the jar still answers with 'not yet available' (classes extending PendingCommand)."""
    pending = set()
    with zipfile.ZipFile(jar) as z:
        for name in z.namelist():
            m = re.fullmatch(r"org/customerdynamics/\w+/(\w+)Command\.class", name)
            if m and m.group(1) != "Pending" and b"org/customerdynamics/cli/PendingCommand" in z.read(name):
                pending.add(m.group(1).lower())
    return pending


def _run(cmd, env, log, timeout):
    with open(log, "a") as out:
        out.write(f"\n$ {' '.join(map(str, cmd))}\n")
        out.flush()
        done = subprocess.run(cmd, env=env, stdout=subprocess.PIPE, stderr=out, text=True, timeout=timeout)
        out.write(done.stdout)
        return done


@pytest.fixture(scope="module")
def daily_run(tmp_path_factory):
    jar = _ensure_jar()
    pending = pending_subcommands(jar)
    if "generate" in pending:
        pytest.skip("cdx generate is not available in this jar yet")
    wanted = [s for s in os.environ.get("CDX_E2E_STAGES", ",".join(E2E_STAGES)).replace(",", " ").split() if s]
    unknown = set(wanted) - set(DAILY_STAGES)
    assert not unknown, f"not daily stages: {unknown}"
    enabled = [s for s in wanted if s not in pending]
    disabled = [s for s in DAILY_STAGES if s not in enabled]

    work = tmp_path_factory.mktemp("e2e")
    log = work / "e2e.log"
    spark_home = _spark_home()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW", "SPARK_", "PYSPARK_"))}
    env.update(
        PATH=f"{VENV_BIN}:{env.get('PATH', '')}",
        SPARK_LOCAL_IP="127.0.0.1",
        AIRFLOW_HOME=str(work / "airflow-home"),
        AIRFLOW__CORE__DAGS_FOLDER=str(DAGS),
        AIRFLOW__CORE__LOAD_EXAMPLES="False",
        AIRFLOW__LOGGING__LOGGING_LEVEL="INFO",
        AIRFLOW_CONN_CDX_SPARK_LOCAL=json.dumps({"conn_type": "spark", "host": "local[2]"}),
        AIRFLOW_VAR_CDX_JAR=str(jar),
        AIRFLOW_VAR_CDX_CONF_DIR=str(REPO / "conf"),
        AIRFLOW_VAR_CDX_ENV="local",
        AIRFLOW_VAR_CDX_SPARK_CONN_ID="cdx_spark_local",
        AIRFLOW_VAR_CDX_SET=f"lakehouse={work / 'lakehouse'} landing={work / 'gen' / 'landing'}"
        " spark.shuffle-partitions=2",
        AIRFLOW_VAR_CDX_SPARK_CONF=json.dumps(
            {"spark.driver.memory": "1g", "spark.ui.enabled": "false", "spark.driver.host": "127.0.0.1"}
        ),
    )

    t0 = time.monotonic()
    gen = _run(["java", "-cp", f"{jar}:{spark_home / 'jars'}/*", "org.customerdynamics.cli.Cdx", "generate",
                *GENERATE, "--out", str(work / "gen")], env, log, 300)
    assert gen.returncode == 0, f"cdx generate failed; see {log}"
    assert (work / "gen" / "landing").is_dir()
    migrate = _run([str(VENV_BIN / "airflow"), "db", "migrate"], env, log, 600)
    assert migrate.returncode == 0, f"airflow db migrate failed; see {log}"
    t1 = time.monotonic()
    # Stages go in as the DAG-run param (the Variable and default paths are covered by test_dags.py).
    conf = {"stages": ",".join(enabled) if enabled else "none"}
    run = _run([sys.executable, str(Path(__file__).with_name("e2e_run_dag.py")), "cdx_daily", RUN_DATE,
                json.dumps(conf)], env, log, 1800)
    t2 = time.monotonic()
    lines = [ln for ln in run.stdout.splitlines() if ln.startswith("{")]
    assert run.returncode == 0 and lines, f"dag.test failed (exit {run.returncode}); see {log}"
    result = json.loads(lines[-1])
    print(f"\ne2e cdx_daily {RUN_DATE}: enabled={enabled} disabled={disabled} (pending in jar: "
          f"{sorted(pending & set(DAILY_STAGES))}); setup {t1 - t0:.0f}s, DAG run {t2 - t1:.0f}s; log {log}")
    return {"result": result, "enabled": enabled, "disabled": disabled, "work": work, "log": log}


def _state(run, task_id):
    return run["result"]["tasks"].get(task_id)


def test_daily_run_succeeds(daily_run):
    assert daily_run["result"]["dag_run"] == "success", (daily_run["result"], daily_run["log"])
    assert _state(daily_run, "preflight") == "success"


def test_enabled_stages_ran_and_passed_their_gates(daily_run):
    for stage in daily_run["enabled"]:
        assert _state(daily_run, stage) == "success", (stage, daily_run["log"])
        if stage in GATES:
            assert _state(daily_run, f"check_{stage}") == "success", (stage, daily_run["log"])


def test_enabled_stages_wrote_their_tables(daily_run):
    lakehouse = daily_run["work"] / "lakehouse"
    for stage in daily_run["enabled"]:
        for table, _ in GATES.get(stage, []):
            db, name = table.split(".")
            commits = list((lakehouse / db / name / "_delta_log").glob("*.json"))
            assert commits, f"{stage}: no Delta table at {lakehouse / db / name}"


def test_disabled_stages_were_skipped_not_failed(daily_run):
    for stage in daily_run["disabled"]:
        assert _state(daily_run, stage) == "skipped", stage
        if stage in GATES:
            assert _state(daily_run, f"check_{stage}") == "skipped", stage
