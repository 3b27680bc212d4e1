"""What a newcomer's `bin/cdx demo` leaves behind, checked from outside the jobs (conftest.demo_run):

- the serving database: a SQL client logged in as the BI role reads every reporting table the demo
  published, row for row as many as the lakehouse holds, and nothing else; publishing the same day
  again changes no table;
- marketing pulls: a segment export holds nobody without marketing consent (or unsubscribed, per the
  generator's ground truth) and no raw e-mail address or phone number;
- the leak scan: every table of the lakehouse outside bronze, every other file the jobs wrote (models,
  the catalog), every export, every table of the serving database and the demo's own output hold no
  e-mail address, no phone number and not the hash key. Bronze (restricted) must hold the raw values:
  the same scanner finds them there, which is what shows it can find them at all;
- housekeeping: the graph jobs' reliable checkpoints are gone once the run ends, and the run leaves nothing
  in its temporary folder.
"""

from __future__ import annotations

import contextlib
import csv
import hashlib
import hmac
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]

sys.path.insert(0, str(REPO / "notebooks"))

# An address starts with a letter or digit and its top-level domain ends the word: binary files (an RDD
# checkpoint, a model's data) hold hashed ids in hex beside '@' bytes, and without those two anchors a run
# of them such as '.@ee1c7.ea83251' (found in a checkpoint, key-dependent) would read as an address.
EMAIL = re.compile(r"\b[A-Za-z0-9][A-Za-z0-9._%+-]*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}\b")
# International numbers as people write them (+1 202 555 0143, +44-20-7946-0958) and in E.164 (+12025550143).
PHONE = re.compile(r"\+\d{1,3}(?:[ .-]?\d){9,13}\b")


def _truth(demo_run, name: str) -> list[dict]:
    with open(demo_run.data / "truth" / name, newline="") as f:
        return list(csv.DictReader(f))


def _raw_identifiers(demo_run) -> list[str]:
    """Every raw e-mail address and phone number the generator gave anyone, as written and normalised."""
    values = set()
    for row in _truth(demo_run, "identifiers.csv"):
        v = row["value"]
        if row["id_type"] == "email" or "@" in v and "." in v.split("@")[-1]:
            values |= {v, v.lower()}
        elif row["id_type"] == "phone" or v.startswith("+"):
            digits = re.sub(r"\D", "", v)
            values |= {v, "+" + digits}
    return sorted(values)


class Scanner:
    """Finds e-mail and phone patterns, the exact raw values of the ground truth, and the hash key."""

    def __init__(self, demo_run):
        self.exact = _raw_identifiers(demo_run)
        assert len(self.exact) > 100, "the ground truth lists too few e-mail addresses and phone numbers"
        self.key = demo_run.hash_key
        self.exact_re = re.compile("|".join(re.escape(v) for v in sorted(self.exact, key=len, reverse=True)))

    def findings(self, where: str, text: str) -> list[str]:
        found = []
        for label, pattern in (("e-mail", EMAIL), ("phone", PHONE), ("raw identifier", self.exact_re)):
            m = pattern.search(text)
            if m:
                found.append(f"{where}: {label} {m.group(0)!r} in …{text[max(0, m.start() - 60):m.end() + 60]!r}…")
        if self.key and self.key in text:
            found.append(f"{where}: the hash key")
        return found


@pytest.fixture(scope="module")
def scanner(demo_run) -> Scanner:
    return Scanner(demo_run)


@pytest.fixture(scope="module")
def spark():
    from cdx_notebook import spark_session

    session = spark_session("cdx-leak-scan")
    yield session
    session.stop()


def _delta_tables(lakehouse: Path) -> list[Path]:
    return sorted(p.parent for p in lakehouse.rglob("_delta_log") if p.is_dir())


def _rows_as_json(df) -> list[str]:
    from pyspark.sql import functions as F

    return [r[0] for r in df.select(F.to_json(F.struct(*df.columns)).alias("j")).toLocalIterator()]


def _rows_as_text(spark, df) -> str:
    return "\n".join(_rows_as_json(df))


# ---------------------------------------------------------------------------------------------- serving DB

@contextlib.contextmanager
def _pg(user_env: str | None = None, password_env: str | None = None):
    """A connection in autocommit mode (each statement on its own, as a SQL client sends them), closed after."""
    import psycopg2

    conn = psycopg2.connect(
        host=os.environ["PGHOST"], port=os.environ["PGPORT"], dbname=os.environ["PGDATABASE"],
        user=os.environ[user_env] if user_env else os.environ["PGUSER"],
        password=os.environ[password_env or "CDX_PG_PASSWORD"])
    conn.autocommit = True
    try:
        yield conn
    finally:
        conn.close()


@pytest.fixture(scope="module")
def published(demo_run):
    if not demo_run.published:
        if os.environ.get("CDX_REQUIRE_SERVICES") == "1":
            pytest.fail("the demo did not publish although CDX_REQUIRE_SERVICES=1")
        pytest.skip("no serving database in the environment (bin/postgres start; eval \"$(bin/postgres env)\")")
    return demo_run


def _reporting_tables(demo_run) -> list[str]:
    return sorted(p.name for p in (demo_run.lakehouse / "reporting").iterdir() if (p / "_delta_log").is_dir())


def _snapshot(conn, schema: str) -> dict[str, tuple[int, str]]:
    """table → (rows, md5 of its rows in a fixed order): what a reader of the schema sees."""
    out = {}
    with conn.cursor() as cur:
        cur.execute("SELECT table_name FROM information_schema.tables WHERE table_schema = %s ORDER BY 1", (schema,))
        for (table,) in cur.fetchall():
            cur.execute(f'SELECT count(*), md5(coalesce(string_agg(t::text, E\'\\n\' ORDER BY t::text), \'\'))'
                        f' FROM {schema}."{table}" t')
            out[table] = cur.fetchone()
    return out


def test_bi_role_reads_every_reporting_table_and_nothing_else(published, spark):
    import psycopg2

    expected = _reporting_tables(published)
    assert len(expected) >= 10, expected
    with _pg("CDX_PG_BI_USER", "CDX_PG_BI_PASSWORD") as bi:
        with bi.cursor() as cur:
            cur.execute("SELECT table_schema, table_name FROM information_schema.tables"
                        " WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1, 2")
            visible = cur.fetchall()
            assert visible == [("reporting", t) for t in expected]
            for table in expected:
                cur.execute(f"SELECT count(*) FROM reporting.{table}")
                lake = spark.read.format("delta").load(str(published.lakehouse / "reporting" / table)).count()
                assert cur.fetchone()[0] == lake, table
            cur.execute("SELECT count(*) FROM reporting.customer_360")
            assert cur.fetchone()[0] > 0
        for forbidden in ("SELECT * FROM cdx_meta.publish_log", "CREATE TABLE reporting.x (a int)",
                          "DELETE FROM reporting.customer_360", "CREATE TABLE public.x (a int)",
                          "SELECT * FROM pg_authid"):
            with bi.cursor() as cur, pytest.raises(psycopg2.errors.InsufficientPrivilege):
                cur.execute(forbidden)


def test_republishing_the_same_day_changes_nothing(published):
    with _pg() as conn:
        before = _snapshot(conn, "reporting")
    assert len(before) >= 10 and before["customer_360"][0] > 0
    done = published.cdx("publish", "--run-date", published.run_date)
    assert done.returncode == 0, done.stdout[-3000:]
    with _pg() as conn:
        assert _snapshot(conn, "reporting") == before


# ------------------------------------------------------------------------------------------------ exports

@pytest.fixture(scope="module")
def exports(demo_run):
    out = demo_run.root / "exports"
    listed = demo_run.cdx("segments", "list", "--run-date", demo_run.run_date)
    assert listed.returncode == 0, listed.stdout[-3000:]
    names = re.findall(r"^(segment-\d+|untapped|churn-\w+)\b", listed.stdout, re.M)
    assert "untapped" in names and any(n.startswith("churn-") for n in names), listed.stdout[-3000:]
    pulls = {"untapped": "csv", "churn-high": "parquet"}
    for name, fmt in pulls.items():
        done = demo_run.cdx("segments", "export", "--run-date", demo_run.run_date, "--segment", name,
                            "--format", fmt, "--out", str(out / name))
        assert done.returncode == 0, done.stdout[-3000:]
    return out


def _exported_rows(spark, exports: Path):
    frames = {}
    for d in sorted(exports.iterdir()):
        if list(d.glob("*.csv")):
            frames[d.name] = spark.read.option("header", True).csv(str(d))
        else:
            frames[d.name] = spark.read.parquet(str(d))
    return frames


def test_segment_exports_hold_no_one_without_consent_and_no_raw_identifiers(
        demo_run, exports, spark, scanner, truth_by_resolved):
    frames = _exported_rows(spark, exports)
    assert set(frames) == {"untapped", "churn-high"}
    consent = {r["person_id"]: r for r in _truth(demo_run, "consent.csv")}
    exported = 0
    collected = {}
    for name, df in frames.items():
        rows = collected[name] = df.collect()
        exported += len(rows)
        assert "person_id" in df.columns, (name, df.columns)
        for r in rows:
            assert r["person_id"].strip(), name
        text = _rows_as_text(spark, df)
        assert not scanner.findings(f"export {name}", text)
        if "email_sha256" in df.columns:
            assert all(v is None or re.fullmatch(r"[0-9a-f]{64}", v) for v in (r["email_sha256"] for r in rows))
    assert exported > 0
    # Nobody the ground truth says withheld consent or unsubscribed by the run date. Exported ids are resolved
    # person ids: reach the truth's persons through identifiers whose key the test can compute itself
    # (customer, anonymous and device ids: upper/lower case is their whole normalisation).
    truth = truth_by_resolved
    withheld = {r["person_id"] for r in _truth(demo_run, "consent.csv")
                if r["marketing_consent"].lower() != "true"
                or (r["unsubscribe_date"] and r["unsubscribe_date"] <= demo_run.run_date)}
    assert withheld, "the ground truth has nobody without consent: the check below would prove nothing"
    checked = 0
    for name, rows in collected.items():
        for r in rows:
            linked = truth.get(r["person_id"], set())
            checked += bool(linked)
            assert not linked & withheld, (name, r["person_id"], sorted(linked & withheld))
    assert checked >= exported * 0.9, (checked, exported)


def _node(key: str, id_type: str, raw: str) -> str:
    """silver.identity_map's node of a raw identifier: <type>:<first 16 bytes of HMAC-SHA256(type:normalised)>."""
    normalised = raw.strip().upper() if id_type in ("cu", "lo") else raw.strip().lower()
    digest = hmac.new(key.encode(), f"{id_type}:{normalised}".encode(), hashlib.sha256).hexdigest()[:32]
    return f"{id_type}:{digest}"


@pytest.fixture(scope="module")
def truth_by_resolved(demo_run, spark) -> dict[str, set[str]]:
    """Resolved person id -> the ground truth's persons whose customer, anonymous or device ids it holds."""
    nodes = {_node(demo_run.hash_key, r["id_type"], r["value"]): r["person_id"]
             for r in _truth(demo_run, "identifiers.csv") if r["id_type"] in ("cu", "an", "de")}
    out: dict[str, set[str]] = {}
    identity = spark.read.format("delta").load(str(demo_run.lakehouse / "silver" / "identity_map"))
    matched = 0
    for r in identity.select("node", "person_id").toLocalIterator():
        if r["node"] in nodes and r["person_id"]:
            matched += 1
            out.setdefault(r["person_id"], set()).add(nodes[r["node"]])
    assert matched >= len(nodes) * 0.5, f"only {matched} of {len(nodes)} truth identifiers found in the identity map"
    return out


# ---------------------------------------------------------------------------------------------- leak scan

def test_bronze_holds_the_raw_identifiers_the_scanner_looks_for(demo_run, spark, scanner):
    """The positive control: the landed e-mail addresses and phones are in bronze, and the scanner sees them."""
    text = _rows_as_text(spark, spark.read.format("delta").load(str(demo_run.lakehouse / "bronze" / "interactions")))
    found = scanner.findings("bronze.interactions", text)
    assert any("e-mail" in f for f in found) and any("phone" in f for f in found), found


def test_no_table_outside_bronze_holds_pii_or_the_key(demo_run, spark, scanner):
    tables = _delta_tables(demo_run.lakehouse)
    outside = [t for t in tables if t.relative_to(demo_run.lakehouse).parts[0] != "bronze"]
    assert len(outside) >= 25, [str(t) for t in tables]
    found = []
    for t in outside:
        df = spark.read.format("delta").load(str(t))
        found += scanner.findings(str(t.relative_to(demo_run.lakehouse)), _rows_as_text(spark, df))
    assert not found, "\n".join(found)


def test_no_other_file_the_jobs_wrote_holds_pii_or_the_key(demo_run, spark, scanner):
    """Models (Parquet and JSON metadata), checkpoints, the catalog: everything outside the Delta tables."""
    tables = _delta_tables(demo_run.lakehouse)
    found, scanned, parquet_dirs = [], 0, set()
    for f in sorted(demo_run.lakehouse.rglob("*")):
        if not f.is_file() or any(t == f.parent or t in f.parents for t in tables):
            continue
        rel = str(f.relative_to(demo_run.lakehouse))
        if rel.startswith("bronze"):
            continue
        scanned += 1
        if f.name.endswith(".parquet"):
            parquet_dirs.add(f.parent)  # read as rows, a folder at a time (a model's data, a checkpoint)
        else:
            found += scanner.findings(rel, f.read_bytes().decode("utf-8", "replace"))
    for d in sorted(parquet_dirs):
        found += scanner.findings(str(d.relative_to(demo_run.lakehouse)), _rows_as_text(spark, spark.read.parquet(str(d))))
    assert scanned > 0 and parquet_dirs
    assert not found, "\n".join(found[:20])


def test_no_export_holds_pii_or_the_key(demo_run, exports, scanner):
    found, scanned = [], 0
    for f in sorted(exports.rglob("*")):
        if f.is_file() and not f.name.endswith(".parquet"):  # Parquet exports: read as rows above
            scanned += 1
            found += scanner.findings(str(f.relative_to(exports)), f.read_bytes().decode("utf-8", "replace"))
    assert scanned > 0
    assert not found, "\n".join(found)


def test_the_serving_database_holds_no_pii_or_the_key(published, scanner):
    found = []
    with _pg() as conn, conn.cursor() as cur:
        cur.execute("SELECT table_schema, table_name FROM information_schema.tables"
                    " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")
        tables = cur.fetchall()
        assert len(tables) >= 10
        for schema, table in tables:
            cur.execute(f'SELECT t::text FROM {schema}."{table}" t')
            found += scanner.findings(f"{schema}.{table}", "\n".join(r[0] for r in cur.fetchall()))
    assert not found, "\n".join(found)


def test_the_demo_output_holds_no_pii_or_the_key(demo_run, scanner):
    assert not scanner.findings("demo output", demo_run.log.read_text())


def test_the_run_leaves_no_checkpoints_behind(demo_run):
    """The social job checkpoints its iterations (PageRank, communities) to checkpoint-dir, here
    <lakehouse>/_checkpoints; Spark keeps such files after the application ends, so each job deletes its
    own when it ends, or a daily schedule would pile them up without bound."""
    root = demo_run.lakehouse / "_checkpoints"
    left = sorted(str(p.relative_to(root)) for p in root.rglob("*")) if root.exists() else []
    assert not left, left[:10]


def test_the_run_leaves_nothing_in_its_temporary_folder(demo_run):
    """Spark's scratch folders go when the JVM exits; Hive's session makes a folder for downloaded
    resources each time it starts and never deletes it (SPARK-51571), so the jobs give it one that goes
    with the JVM. Every bin/cdx of this session ran with java.io.tmpdir here (conftest.run_cdx)."""
    left = sorted(p.name for p in demo_run.tmp.iterdir())
    assert not left, left[:10]


# ------------------------------------------------------------------------------------------------- erase
# Last in the module on purpose: it changes the demo's lakehouse and serving database.

def _person_to_erase(demo_run, by_resolved: dict[str, set[str]]) -> tuple[str, str, set[str]]:
    """(resolved person id, raw e-mail, every raw e-mail/phone of theirs) for a truth person with an e-mail
    and a phone, resolved to one person id of their own."""
    owners = {}
    for resolved, truth in by_resolved.items():
        for t in truth:
            owners.setdefault(t, set()).add(resolved)
    values: dict[str, dict[str, list[str]]] = {}
    for r in _truth(demo_run, "identifiers.csv"):
        values.setdefault(r["person_id"], {}).setdefault(r["id_type"], []).append(r["value"])
    for truth_person, ids in sorted(values.items()):
        resolved = owners.get(truth_person, set())
        if "em" in ids and "ph" in ids and len(resolved) == 1:
            (person,) = resolved
            if by_resolved[person] == {truth_person}:
                raw = {v for t in ("em", "ph") for v in ids[t]}
                raw |= {v.lower() for v in ids["em"]} | {"+" + re.sub(r"\D", "", v) for v in ids["ph"]}
                return person, ids["em"][0], raw
    pytest.fail("no person of the demo has an e-mail, a phone and a person id of their own")


def _hits(text: str, needles: set[str]) -> set[str]:
    low = text.lower()
    return {n for n in needles if n.lower() in low}


def test_erase_leaves_no_trace_of_the_person_anywhere(demo_run, spark, truth_by_resolved):
    from pyspark.sql import functions as F

    person, email, raw = _person_to_erase(demo_run, truth_by_resolved)
    identity = spark.read.format("delta").load(str(demo_run.lakehouse / "silver" / "identity_map"))
    keys = {r["node"].split(":", 1)[1] for r in identity.filter(F.col("person_id") == person).collect()}
    assert keys, person
    needles = {person} | keys | raw
    tables = _delta_tables(demo_run.lakehouse)
    before = {t: spark.read.format("delta").load(str(t)).count() for t in tables}
    # The person is there to begin with: raw values in bronze, keys in silver, the id in gold and reporting.
    for rel in ("bronze/interactions", "silver/interactions", "silver/identity_map", "reporting/customer_360"):
        assert _hits(_rows_as_text(spark, spark.read.format("delta").load(str(demo_run.lakehouse / rel))), needles), rel
    person_rows_360 = spark.read.format("delta").load(str(demo_run.lakehouse / "reporting" / "customer_360")) \
        .filter(F.col("person_id") == person).count()
    assert person_rows_360 >= 1

    done = demo_run.cdx("erase", "--identifier", f"email:{email.upper()}")
    assert done.returncode == 0, done.stdout[-4000:]

    found = []
    for t in _delta_tables(demo_run.lakehouse):
        rel = str(t.relative_to(demo_run.lakehouse))
        df = spark.read.format("delta").load(str(t))
        rows = _rows_as_json(df)
        if rel == "gold/erasure_log":
            assert len(rows) >= 1
        hits = _hits("\n".join(rows), needles)
        if hits:
            found.append(f"{rel}: {sorted(hits)[:3]}")
        if t in before:
            assert len(rows) <= before[t], rel  # nothing added anywhere; the rows that went were the person's
    assert not found, "\n".join(found)
    # Everyone else stays: customer_360 lost exactly the person's rows.
    c360 = demo_run.lakehouse / "reporting" / "customer_360"
    assert spark.read.format("delta").load(str(c360)).count() == before[c360] - person_rows_360
    if demo_run.published:
        with _pg() as conn, conn.cursor() as cur:
            cur.execute("SELECT table_schema, table_name FROM information_schema.tables"
                        " WHERE table_schema NOT IN ('pg_catalog', 'information_schema')")
            for schema, table in cur.fetchall():
                cur.execute(f'SELECT t::text FROM {schema}."{table}" t')
                hits = _hits("\n".join(r[0] for r in cur.fetchall()), needles)
                assert not hits, (schema, table, sorted(hits)[:3])
