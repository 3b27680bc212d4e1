"""Executes every analyst notebook end to end with papermill and checks the figures it saved.

Lakehouse: the one a real `bin/cdx demo` wrote (the session's ``demo_run`` of the repository's conftest.py:
300 persons over 35 days, every job), its last day as the report date; or the one at
$CDX_NOTEBOOK_LAKEHOUSE when set ($CDX_NOTEBOOK_RUN_DATE picks the report date, else the latest in
reporting.report_runs). The synthetic lakehouse of fixture_lakehouse.py (the documented columns, a few
rows) is built too: a day without rows (any date but its REPORT_DATE) must be said, not crash; its broken
copy (a table and a column missing) must fail the notebook with a message naming them.

Each notebook runs in a kernel of this interpreter (a kernelspec installed into a temporary Jupyter path),
with its own local[2] SparkSession; executed copies go to pytest's temporary directory, never notebooks/.
The driver JVMs of the test run with C1 only, serial GC and 512 MB: short-lived and small, they start
about twice as fast.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import papermill
import pytest

NOTEBOOKS = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).resolve().parent / "fixture_lakehouse.py"
FIXTURE_REPORT_DATE = "2024-03-31"  # fixture_lakehouse.REPORT_DATE
EMPTY_DAY = "2000-01-01"  # no table of the fixture has rows (or models trained) for it
SPARK_ENV = {
    "SPARK_LOCAL_IP": "127.0.0.1",
    "PYSPARK_SUBMIT_ARGS": '--driver-memory 512m '
                           '--driver-java-options "-XX:TieredStopAtLevel=1 -XX:ReservedCodeCacheSize=512m -XX:+UseSerialGC" pyspark-shell',
}
KERNEL = "cdx-notebooks-test"
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

# notebook → the figures (PNG stems) it must save on a lakehouse with data.
FIGURES = {
    "01_journeys.ipynb": ["01_channel_transitions", "01_top_paths", "01_attribution"],
    "02_churn.ipynb": ["02_churn_versions", "02_churn_lift", "02_churn_bands", "02_churn_reasons"],
    "03_segments.ipynb": ["03_segment_map", "03_segment_customers", "03_lookalike_prospects"],
    "04_communities.ipynb": ["04_communities", "04_community_members", "04_influencers"],
    "05_service.ipynb": ["05_resolution_vs_churn", "05_satisfaction"],
}


@pytest.fixture(scope="session")
def kernel(tmp_path_factory):
    """A kernelspec for this interpreter (the venv's) in a private Jupyter path, so no user kernel interferes."""
    prefix = tmp_path_factory.mktemp("jupyter")
    subprocess.run(
        [sys.executable, "-m", "ipykernel", "install", "--prefix", str(prefix), "--name", KERNEL],
        check=True, capture_output=True, text=True)
    # The kernels inherit this process's environment.
    env = {**SPARK_ENV, "JUPYTER_PATH": os.pathsep.join(
        filter(None, [str(prefix / "share" / "jupyter"), os.environ.get("JUPYTER_PATH")]))}
    old = {name: os.environ.get(name) for name in env}
    os.environ.update(env)
    yield KERNEL
    for name, value in old.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


@pytest.fixture(scope="session")
def fixtures(tmp_path_factory) -> Path:
    """The synthetic lakehouses (demo, broken), built in a child process so its JVM is gone after."""
    root = tmp_path_factory.mktemp("lakehouses")
    done = subprocess.run([sys.executable, str(FIXTURE), str(root)], capture_output=True, text=True,
                          env={**os.environ, **SPARK_ENV})
    assert done.returncode == 0, f"Cannot build the fixture lakehouses:\n{done.stdout}\n{done.stderr[-4000:]}"
    return root


@pytest.fixture(scope="session")
def demo(request) -> tuple[str, str]:
    """(lakehouse, run_date) the notebooks must draw every figure from."""
    external = os.environ.get("CDX_NOTEBOOK_LAKEHOUSE")
    if external:
        return external, os.environ.get("CDX_NOTEBOOK_RUN_DATE", "")
    run = request.getfixturevalue("demo_run")  # the repository's conftest.py: one real bin/cdx demo
    return str(run.lakehouse), run.run_date


def execute(notebook: str, lakehouse: str, run_date: str, kernel: str, tmp_path: Path) -> Path:
    """Runs ``notebook`` with papermill into ``tmp_path``; returns the figures directory."""
    figures = tmp_path / "figures"
    papermill.execute_notebook(
        str(NOTEBOOKS / notebook),
        str(tmp_path / notebook),
        parameters={"lakehouse": lakehouse, "run_date": run_date, "output_dir": str(figures)},
        kernel_name=kernel,
        cwd=str(NOTEBOOKS),
        progress_bar=False,
        execution_timeout=600,
    )
    return figures


def outputs_text(path: Path) -> str:
    nb = nbformat.read(path, as_version=4)
    texts = []
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            texts.append(out.get("text", "") if out.get("output_type") == "stream" else
                         " ".join([out.get("ename", ""), out.get("evalue", "")]))
    return "\n".join(texts)


def test_every_notebook_is_covered():
    found = sorted(p.name for p in NOTEBOOKS.glob("*.ipynb"))
    assert found == sorted(FIGURES)


@pytest.mark.parametrize("notebook", sorted(FIGURES))
def test_notebook_is_committed_clean(notebook):
    nb = nbformat.read(NOTEBOOKS / notebook, as_version=4)
    nbformat.validate(nb)
    assert re.fullmatch(r"\d\d_[a-z_]+\.ipynb", notebook)
    assert nb.cells[0].cell_type == "markdown" and "**For:**" in nb.cells[0].source
    parameters = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(parameters) == 1
    for name in ["lakehouse", "run_date", "output_dir"]:
        assert re.search(rf"^{name} = ", parameters[0].source, re.M), f"parameter {name} missing"
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, "outputs committed"
            assert not re.search(r"except\s*:", cell.source), "bare except"


@pytest.mark.parametrize("notebook", sorted(FIGURES))
def test_notebook_runs_and_saves_its_figures(notebook, demo, kernel, tmp_path):
    lakehouse, run_date = demo
    figures = execute(notebook, lakehouse, run_date, kernel, tmp_path)
    saved = {p.stem: p for p in figures.glob("*.png")}
    assert sorted(saved) == sorted(FIGURES[notebook]), outputs_text(tmp_path / notebook)
    for path in saved.values():
        data = path.read_bytes()
        assert data.startswith(PNG_MAGIC) and len(data) > 5_000, f"{path} is not a drawn PNG"


@pytest.mark.parametrize("notebook", sorted(FIGURES))
def test_notebook_says_when_a_day_is_empty(notebook, fixtures, kernel, tmp_path):
    figures = execute(notebook, str(fixtures / "demo"), EMPTY_DAY, kernel, tmp_path)
    assert not list(figures.glob("*.png"))
    assert "No rows in" in outputs_text(tmp_path / notebook)


@pytest.mark.parametrize(
    "notebook, message",
    [
        ("04_communities.ipynb", r"Cannot read reporting\.influencers: no Delta table at .*/broken/reporting/influencers"),
        ("05_service.ipynb", r"Cannot read reporting\.service_performance: columns \['later_churn_rate'\] missing"),
    ],
)
def test_notebook_fails_loudly_on_a_contract_break(notebook, message, fixtures, kernel, tmp_path):
    with pytest.raises(papermill.PapermillExecutionError) as failure:
        execute(notebook, str(fixtures / "broken"), FIXTURE_REPORT_DATE, kernel, tmp_path)
    assert re.search(message, str(failure.value)), str(failure.value)
