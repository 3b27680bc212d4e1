"""Shared setup for the analyst notebooks: one small local SparkSession with Delta, and table reads by path.

The notebooks read the Delta tables the jobs wrote directly from ``<lakehouse>/<database>/<table>``, never
through the embedded Hive/Derby catalog (a running job may hold its lock). A table that is missing, or that
lacks a documented column, is a contract break and raises; a table without rows for the day is not.
"""

from __future__ import annotations

import os
from pathlib import Path

from delta import configure_spark_with_delta_pip
from delta.tables import DeltaTable
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F


# Transitive dependencies of delta-spark that pyspark already ships (newer): resolving them again would put
# older duplicates on the classpath, and fails when the local Maven cache holds their POMs without jars.
_SHIPPED_WITH_SPARK = [
    "org.slf4j:slf4j-api",
    "org.apache.logging.log4j:log4j-api",
    "org.apache.logging.log4j:log4j-core",
    "org.apache.logging.log4j:log4j-slf4j2-impl",
    "commons-logging:commons-logging",
    "com.google.code.findbugs:jsr305",
    "com.fasterxml.jackson.core:jackson-annotations",
    "com.fasterxml.jackson.core:jackson-core",
    "com.fasterxml.jackson.core:jackson-databind",
    "org.roaringbitmap:RoaringBitmap",
    "org.roaringbitmap:shims",
    "org.xerial.snappy:snappy-java",
    "com.github.luben:zstd-jni",
    "commons-pool:commons-pool",
    "io.airlift:aircompressor",
    "org.locationtech.jts:jts-core",
    "org.apache.hadoop:hadoop-client-api",
    "org.apache.hadoop:hadoop-client-runtime",
    "org.apache.parquet:parquet-column",
    "org.apache.parquet:parquet-common",
    "org.apache.parquet:parquet-encoding",
    "org.apache.parquet:parquet-format-structures",
    "org.apache.parquet:parquet-hadoop",
    "org.apache.parquet:parquet-jackson",
]


def spark_session(app_name: str) -> SparkSession:
    """A local[2] session with Delta Lake, two shuffle partitions and no UI: the data here is small."""
    os.environ.setdefault("SPARK_LOCAL_IP", "127.0.0.1")
    builder = (
        SparkSession.builder.appName(app_name)
        .master("local[2]")
        .config("spark.sql.shuffle.partitions", "2")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.session.timeZone", "UTC")
        # Delta rebuilds a table's snapshot with 50 tasks by default: far too many for these small tables.
        .config("spark.databricks.delta.snapshotPartitions", "2")
        .config("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension")
        .config("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog")
    )
    builder = builder.config("spark.jars.excludes", ",".join(_SHIPPED_WITH_SPARK))
    spark = configure_spark_with_delta_pip(builder).getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def table_path(lakehouse: str, table: str) -> str:
    """``reporting.churn_risk`` → ``<lakehouse>/reporting/churn_risk``."""
    database, _, name = table.partition(".")
    if not database or not name:
        raise ValueError(f"Cannot locate table {table!r}: expected <database>.<table>")
    return f"{lakehouse.rstrip('/')}/{database}/{name}"


def read_table(spark: SparkSession, lakehouse: str, table: str, columns: list[str]) -> DataFrame:
    """The Delta table ``table`` of ``lakehouse``, checked to hold ``columns`` (its documented contract)."""
    path = table_path(lakehouse, table)
    if not DeltaTable.isDeltaTable(spark, path):
        raise FileNotFoundError(
            f"Cannot read {table}: no Delta table at {path}; run the job that writes it (see docs/tables*.md)"
        )
    df = spark.read.format("delta").load(path)
    missing = [c for c in columns if c not in df.columns]
    if missing:
        raise ValueError(
            f"Cannot read {table}: columns {missing} missing at {path} (has {sorted(df.columns)}); "
            "the table no longer matches its documented contract"
        )
    return df


def read_report(spark: SparkSession, lakehouse: str, table: str, columns: list[str], report_date: str):
    """The rows of the reporting table ``table`` for ``report_date``, as pandas (reporting tables are small)."""
    df = read_table(spark, lakehouse, table, ["report_date", *columns])
    return df.where(F.col("report_date") == F.lit(report_date).cast("date")).select(*columns).toPandas()


def report_date(spark: SparkSession, lakehouse: str, run_date: str) -> str:
    """``run_date`` when given, else the latest day ``reporting.report_runs`` marks complete."""
    if run_date:
        return run_date
    runs = read_table(spark, lakehouse, "reporting.report_runs", ["report_date"])
    latest = runs.agg(F.max("report_date")).head()[0]
    if latest is None:
        raise ValueError("Cannot choose a report date: reporting.report_runs is empty; run `cdx report` first")
    return latest.isoformat()


def has_rows(pdf, what: str) -> bool:
    """True when ``pdf`` has rows; otherwise says so (an empty day is not an error) and returns False."""
    if len(pdf) == 0:
        print(f"No rows in {what}: nothing to show here.")
        return False
    return True


def save_figure(fig, output_dir: str, name: str) -> Path:
    """Saves ``fig`` as ``<output_dir>/<name>.png`` (the output dir is created) and returns the path."""
    out = Path(output_dir)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    fig.savefig(path, dpi=100, bbox_inches="tight")
    print(f"saved {path}")
    return path

