"""Shared pytest fixtures of the Python suite (bin/test-python): one real, small `bin/cdx demo` run.

``demo_run`` runs the README's first command, ``bin/cdx demo``, once per test session, at a small scale
(300 persons over 35 days, the same 35-day shape as the default so that every model trains), into a
temporary directory, with a hash key of its own drawn at random for the run (so a leak of the secret can
be looked for) and, when the serving database's environment is set (bin/test starts bin/postgres and
exports it), publishing to PostgreSQL. The tests after it read what a newcomer's demo leaves behind:
the notebooks (notebooks/tests), the BI role and republish, segment exports and the leak scan (tests/).

CDX_DEMO_REUSE=<dir> (with the same CDX_HASH_KEY exported) reuses a finished run in <dir> instead of
running again: for working on these tests only.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import os
import secrets
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent
DEMO_PERSONS = 300
DEMO_DAYS = 35
DEMO_START = dt.date(2026, 1, 1)
DEMO_SEED = 7
# The serving database's connection, as `bin/postgres env` exports it.
PG_ENV = ["CDX_PG_URL", "CDX_PG_PASSWORD", "CDX_PG_BI_USER", "CDX_PG_BI_PASSWORD", "PGHOST", "PGPORT",
          "PGDATABASE", "PGUSER"]


@dataclasses.dataclass(frozen=True)
class DemoRun:
    root: Path
    data: Path
    lakehouse: Path
    log: Path
    run_date: str
    hash_key: str
    published: bool

    @property
    def tmp(self) -> Path:
        """The runs' java.io.tmpdir: Spark's and Hive's scratch folders, which every run must clean up."""
        return self.root / "tmp"

    def cdx(self, *args: str, timeout: int = 900) -> subprocess.CompletedProcess:
        """Runs bin/cdx against this run's lakehouse, with the run's key; output kept in the run's log."""
        return run_cdx(self.lakehouse, self.hash_key, list(args), self.log, self.tmp, timeout)


def services_required() -> bool:
    return os.environ.get("CDX_REQUIRE_SERVICES") == "1"


def run_cdx(lakehouse: Path, hash_key: str, args: list[str], log: Path, tmp: Path,
            timeout: int) -> subprocess.CompletedProcess:
    tmp.mkdir(exist_ok=True)
    # C1 only, with a larger code cache than C1 alone reserves: the runs here are small, where C2 costs CPU
    # that the DAG suite beside this one needs (jobs/pom.xml, cdx.test.jit). A whole demo alone took 220 s
    # wall and 278 s CPU so, against 224 s and 379 s with both compilers (2026-12-04).
    java_opts = (f"-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=512m {os.environ.get('JAVA_OPTS', '')} "
                 f"-Djava.io.tmpdir={tmp}")
    env = {**os.environ, "CDX_HASH_KEY": hash_key, "SPARK_LOCAL_IP": "127.0.0.1", "JAVA_OPTS": java_opts}
    cmd = [str(REPO / "bin" / "cdx"), *args, "--set", f"lakehouse={lakehouse}",
           "--set", "spark.shuffle-partitions=2"]
    with open(log, "a") as out:
        out.write(f"\n$ bin/cdx {' '.join(args)}\n")
        out.flush()
        done = subprocess.run(cmd, cwd=REPO, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                              timeout=timeout)
        out.write(done.stdout)
    return done


@pytest.fixture(scope="session")
def demo_run(tmp_path_factory) -> DemoRun:
    published = all(os.environ.get(v) for v in PG_ENV)
    if services_required():
        assert published, f"CDX_REQUIRE_SERVICES=1 but the serving database is not in the environment ({PG_ENV})"
    run_date = (DEMO_START + dt.timedelta(days=DEMO_DAYS - 1)).isoformat()
    reuse = os.environ.get("CDX_DEMO_REUSE")
    if reuse:
        root = Path(reuse)
        key = os.environ.get("CDX_HASH_KEY", "")
        assert key and (root / "demo.log").is_file(), "CDX_DEMO_REUSE needs a finished run and its CDX_HASH_KEY"
        return DemoRun(root, root / "data", root / "lakehouse", root / "demo.log", run_date, key, published)
    root = tmp_path_factory.mktemp("demo")
    key = secrets.token_hex(24)
    run = DemoRun(root, root / "data", root / "lakehouse", root / "demo.log", run_date, key, published)
    done = run.cdx("demo", "--seed", str(DEMO_SEED), "--persons", str(DEMO_PERSONS), "--days", str(DEMO_DAYS),
                   "--start", DEMO_START.isoformat(), "--data", str(run.data), timeout=3600)
    assert done.returncode == 0, f"bin/cdx demo failed (exit {done.returncode}):\n{done.stdout[-6000:]}"
    if published:
        assert "publish skipped" not in done.stdout, done.stdout[-3000:]
    print(f"\ndemo run: {root} (log {run.log})")
    return run
