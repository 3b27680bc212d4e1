"""One real run of cdx_daily for one date: Airflow 3 (SQLite), SparkSubmitOperator, the pinned pyspark's
spark-submit to a Spark standalone cluster (master + one worker on 127.0.0.1, bin/spark-cluster, started
for this module and stopped at its end), the real jar, against a landing zone made by `cdx generate`.

The same stages are then run embedded (spark-submit --master local[2], one driver JVM, no cluster) for the
same date and landing zone into a second lakehouse, and every reporting table of the run date must be
the same row for row in both: nothing a job computes may depend on driver-local state or on where its
tasks ran. The cluster must really have run the jobs: the master lists each stage's application as
finished and the worker has launched an executor for it.

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
import urllib.request
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
# The test's own cluster, on ports clear of bin/spark-cluster's defaults (7329; UIs 8329/8330) so that it
# does not collide with a cluster someone started by hand. Web UIs are on +1000 (master) and +1001.
CLUSTER_PORT = int(os.environ.get("CDX_E2E_SPARK_PORT", "7461"))
# Settings both runs share; executors get 1g of the worker's 2g.
CDX_SET = "spark.shuffle-partitions=2"
# Every JVM of the test compiles with C1 only (and so a larger code cache than C1 alone reserves): a job on
# a few hundred rows is start-up and planning, where C2 costs CPU that the other suite beside this one
# needs (jobs/pom.xml, cdx.test.jit).
JIT = "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=512m"
SPARK_CONF = {"spark.driver.memory": "1g", "spark.executor.memory": "1g", "spark.ui.enabled": "false",
              "spark.driver.host": "127.0.0.1", "spark.driver.extraJavaOptions": JIT,
              "spark.executor.extraJavaOptions": JIT}


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


def _http_json(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.load(r)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A standalone master + one worker (2 cores, 2g) on 127.0.0.1 from this venv's pyspark, state under
    the module's tmp dir; stopped when the module ends, whatever happened."""
    run_dir = tmp_path_factory.mktemp("spark-cluster")
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SPARK_", "PYSPARK_", "CDX_SPARK_"))}
    env.update(CDX_VENV=sys.prefix, CDX_RUN_DIR=str(run_dir), CDX_SPARK_MASTER_PORT=str(CLUSTER_PORT),
               CDX_SPARK_WORKER_CORES="2", CDX_SPARK_WORKER_MEMORY="2g")
    script = REPO / "bin" / "spark-cluster"
    try:
        subprocess.run([str(script), "start"], env=env, check=True, timeout=180)
        yield {
            "host": "spark://127.0.0.1",
            "port": CLUSTER_PORT,
            "ui": f"http://127.0.0.1:{CLUSTER_PORT + 1000}",
            "work": run_dir / "spark" / "work",
            "logs": run_dir / "spark",
        }
    finally:
        subprocess.run([str(script), "stop"], env=env, timeout=120)


@pytest.fixture(scope="module")
def daily_run(tmp_path_factory, cluster):
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
        AIRFLOW_CONN_CDX_SPARK_CLUSTER=json.dumps(
            {"conn_type": "spark", "host": cluster["host"], "port": cluster["port"]}
        ),
        AIRFLOW_VAR_CDX_JAR=str(jar),
        AIRFLOW_VAR_CDX_CONF_DIR=str(REPO / "conf"),
        AIRFLOW_VAR_CDX_ENV="local",
        AIRFLOW_VAR_CDX_SPARK_CONN_ID="cdx_spark_cluster",
        AIRFLOW_VAR_CDX_SET=f"lakehouse={work / 'lakehouse'} landing={work / 'gen' / 'landing'} {CDX_SET}",
        AIRFLOW_VAR_CDX_SPARK_CONF=json.dumps(SPARK_CONF),
    )

    t0 = time.monotonic()
    gen = _run(["java", *JIT.split(), "-cp", f"{jar}:{spark_home / 'jars'}/*", "org.customerdynamics.cli.Cdx", "generate",
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
    master = _http_json(f"{cluster['ui']}/json")
    print(f"\ne2e cdx_daily {RUN_DATE} on {cluster['host']}:{cluster['port']}: enabled={enabled} "
          f"disabled={disabled} (pending in jar: {sorted(pending & set(DAILY_STAGES))}); setup {t1 - t0:.0f}s, "
          f"DAG run {t2 - t1:.0f}s; log {log}")
    return {"result": result, "enabled": enabled, "disabled": disabled, "work": work, "log": log, "env": env,
            "jar": jar, "master": master, "cluster": cluster}


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


def test_the_cluster_ran_every_job(daily_run):
    """Each enabled stage's spark-submit went to the standalone master, finished there, and its tasks ran
    in an executor the worker launched (work/<app-id>/<executor-id>/) from the jar spark-submit shipped.
    Applications carry the name the DAG gives spark-submit (--name cdx-<task id>-<ds>; SparkSessions keeps a
    submitted name and names only unnamed runs after the job), one per task: the preflight, each stage and
    each gate."""
    apps = daily_run["master"].get("completedapps", [])
    work = daily_run["cluster"]["work"]
    assert not daily_run["master"].get("activeapps"), daily_run["master"]["activeapps"]
    assert all(a["state"] == "FINISHED" for a in apps), [(a["name"], a["state"]) for a in apps]
    names = [a["name"] for a in apps]
    gated = [stage for stage in daily_run["enabled"] if stage in GATES]
    expected = [f"cdx-preflight-{RUN_DATE}", *(f"cdx-{s}-{RUN_DATE}" for s in daily_run["enabled"]),
                *(f"cdx-check_{s}-{RUN_DATE}" for s in gated)]
    assert sorted(names) == sorted(expected), names
    for stage in daily_run["enabled"]:
        [app] = [a for a in apps if a["name"] == f"cdx-{stage}-{RUN_DATE}"] or [None]
        assert app, f"{stage}: no finished application on the master; completed: {names}"
        executors = [d for d in (work / app["id"]).glob("*") if (d / "stderr").is_file()]
        assert executors, f"{stage}: the worker launched no executor for {app['id']} (under {work})"
        assert any((d / daily_run["jar"].name).is_file() for d in executors), (stage, executors)
        assert any("Running task" in (d / "stderr").read_text(errors="replace") for d in executors), (
            f"{stage}: no task ran in the executors of {app['id']}"
        )


@pytest.fixture(scope="module")
def embedded_run(daily_run):
    """The same stages for the same date and landing zone, embedded: spark-submit --master local[2] (driver
    and tasks in one JVM), one stage after the other, into a second lakehouse."""
    work = daily_run["work"]
    lakehouse = work / "lakehouse-embedded"
    cwd = work / "embedded"
    cwd.mkdir(exist_ok=True)
    env = {k: v for k, v in daily_run["env"].items() if not k.startswith("AIRFLOW")}
    submit = [str(_spark_home() / "bin" / "spark-submit"), "--master", "local[2]",
              *[a for k, v in SPARK_CONF.items() for a in ("--conf", f"{k}={v}")],
              "--class", "org.customerdynamics.cli.Cdx", str(daily_run["jar"])]
    sets = [f"lakehouse={lakehouse}", f"landing={work / 'gen' / 'landing'}", *CDX_SET.split()]
    t0 = time.monotonic()
    for stage in daily_run["enabled"]:
        done = subprocess.run(
            [*submit, stage, "--run-date", RUN_DATE, "--env", "local", "--conf-dir", str(REPO / "conf"),
             *[a for kv in sets for a in ("--set", kv)]],
            env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
        (work / f"embedded-{stage}.log").write_text(done.stdout)
        assert done.returncode == 0, f"embedded {stage} failed; see {work / f'embedded-{stage}.log'}"
    print(f"\nembedded run of {daily_run['enabled']}: {time.monotonic() - t0:.0f}s")
    return lakehouse


# Columns that may differ between two runs of the same data. None: the jobs take every date from
# --run-date and the data, never from the clock, so every reporting column must match.
RUN_DEPENDENT_COLUMNS: dict[str, set[str]] = {}


def test_cluster_and_embedded_runs_write_the_same_reporting_tables(daily_run, embedded_run):
    if "report" not in daily_run["enabled"]:
        pytest.skip("report is not enabled in this run")
    from pyspark.sql import SparkSession

    cluster_root = daily_run["work"] / "lakehouse" / "reporting"
    embedded_root = embedded_run / "reporting"
    tables = sorted(p.name for p in cluster_root.iterdir() if (p / "_delta_log").is_dir())
    embedded_tables = sorted(p.name for p in embedded_root.iterdir() if (p / "_delta_log").is_dir())
    assert tables == embedded_tables
    assert "customer_360" in tables and "report_runs" in tables, tables

    # Delta comes from the application jar, as under spark-submit (no Ivy download).
    spark = (
        SparkSession.builder.master("local[1]")
        .appName("cdx-e2e-compare")
        .config("spark.jars", str(daily_run["jar"]))
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.databricks.delta.snapshotPartitions", "2")  # as conf/env/local.yaml: not 50 tasks
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.memory", "1g")
        .config("spark.driver.extraJavaOptions", JIT)  # pyspark passes these to the JVM it starts
        .getOrCreate()
    )
    try:
        counts, problems = {}, []
        for table in tables:
            def day(root):
                df = spark.read.format("delta").load(str(root / table)).where(f"report_date = DATE'{RUN_DATE}'")
                return df.drop(*RUN_DEPENDENT_COLUMNS.get(table, set()))

            a, b = day(cluster_root), day(embedded_root)
            if a.schema != b.schema:
                problems.append(f"{table}: schemas differ: {a.schema.simpleString()} vs {b.schema.simpleString()}")
                continue
            only_cluster, only_embedded = a.exceptAll(b), b.exceptAll(a)
            n_a, n_b, n_oc, n_oe = a.count(), b.count(), only_cluster.count(), only_embedded.count()
            counts[table] = n_a
            if n_a != n_b or n_oc or n_oe:
                problems.append(
                    f"{table}: cluster {n_a} rows, embedded {n_b}; only in cluster {n_oc}, e.g. "
                    f"{[r.asDict() for r in only_cluster.limit(2).collect()]}; only embedded {n_oe}, e.g. "
                    f"{[r.asDict() for r in only_embedded.limit(2).collect()]}"
                )
        print(f"\nreporting tables compared for {RUN_DATE} (rows): {counts}")
        assert not problems, "\n".join(problems)
        assert counts["customer_360"] > 0 and counts["report_runs"] == 1, counts
    finally:
        spark.stop()
