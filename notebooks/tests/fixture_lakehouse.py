"""A small synthetic lakehouse with the tables the notebooks read, at their documented paths and columns.

Used by the notebook tests when no real demo lakehouse is given (CDX_NOTEBOOK_LAKEHOUSE). The schemas follow
docs/tables-reporting.md, docs/tables-ml.md and docs/tables-social.md (reporting.attribution: the columns of
gold.attribution that `report` copies); a change there should be mirrored here, which keeps the notebooks
honest about the contract. A few rows per table, deterministic, all for REPORT_DATE (so any other report date
is an empty day); ``broken`` is a copy with a table and a column missing (contract breaks).

Run as a script to build them by hand: python notebooks/tests/fixture_lakehouse.py /tmp/nb-lakehouses
(writes <root>/demo and <root>/broken).
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import sys
from pathlib import Path

REPORT_DATE = "2024-03-31"
CHANNELS = ["web", "mobile_app", "store", "email", "call_center"]

# table → Spark DDL schema: the documented columns (reporting tables carry report_date first).
SCHEMAS = {
    "reporting.report_runs": "report_date date, tables array<string>, persons long",
    "reporting.channel_transitions": (
        "report_date date, period string, from_channel string, to_channel string, transitions long,"
        " probability double"
    ),
    "reporting.journey_summary": (
        "report_date date, outcome string, rank int, path string, path_length int, journeys long,"
        " persons long, share double"
    ),
    "reporting.attribution": (
        "report_date date, channel string, conversion_probability double, removal_effect double,"
        " share double, attributed_conversions double, last_touch_conversions long"
    ),
    "reporting.churn_risk": (
        "report_date date, person_id string, churn_score double, churn_band string,"
        " top_reasons array<string>, model_version long, snapshot_date date"
    ),
    "reporting.segment_profiles": (
        "report_date date, segment_id int, size long, share double, customer_share double,"
        " avg_events_28d double, avg_interest_28d double, avg_conversion_90d double,"
        " avg_monetary_90d double, untapped_score double, untapped boolean, top_categories array<string>,"
        " model_version long"
    ),
    "reporting.segments": (
        "report_date date, person_id string, segment_id int, untapped boolean, untapped_score double,"
        " is_customer boolean, lookalike_score double, churn_band string, top_channel string,"
        " model_version long"
    ),
    "reporting.communities": (
        "report_date date, community_id string, size long, customers long, prospects long,"
        " customer_share double, churned long, churn_rate double, avg_sentiment double,"
        " top_products array<string>, top_categories array<string>, advocates array<string>,"
        " detractors array<string>"
    ),
    "reporting.influencers": (
        "report_date date, person_id string, pagerank double, pagerank_rank int,"
        " pagerank_percentile double, in_degree long, reach_2hop long, community_id string,"
        " sentiment double, is_customer boolean, role string"
    ),
    "reporting.service_performance": (
        "report_date date, agent_id string, contacts long, customers long, resolved long,"
        " resolution_rate double, avg_satisfaction double, complaints long,"
        " customers_churned_later long, later_churn_rate double"
    ),
    "gold.model_registry": (
        "model_name string, version long, trained_for_date date, algorithm string, params string,"
        " features array<string>, train_window_start date, train_window_end date,"
        " eval_snapshot_date date, input_versions map<string,long>, metrics map<string,double>,"
        " details string, primary_metric string, primary_value double, champion_version long,"
        " champion_value double, verdict string, reason string, model_path string"
    ),
}


def _rows(report_date: dt.date) -> dict[str, list[tuple]]:
    d = report_date
    persons = [f"p{i:03d}" for i in range(40)]

    transitions = []
    for period in ["all", "2024-02", "2024-03"]:
        for i, a in enumerate(CHANNELS):
            weights = [((i + 1) * (j + 2)) % 7 + 1 for j in range(len(CHANNELS))]
            total = sum(weights)
            for j, b in enumerate(CHANNELS):
                transitions.append((d, period, a, b, weights[j], weights[j] / total))

    paths = {
        "purchase": ["web > store", "email > web > store", "mobile_app", "web > web > mobile_app"],
        "complaint": ["call_center", "store > call_center"],
        "churn": ["email > call_center", "web"],
    }
    summary = []
    for outcome, ps in paths.items():
        total = sum(10 * (len(ps) - r) for r in range(len(ps)))
        for r, p in enumerate(ps):
            n = 10 * (len(ps) - r)
            summary.append((d, outcome, r + 1, p, len(p.split(" > ")), n, n - 1, n / total))

    attribution = [
        (d, c, 0.31, 0.1 * (k + 1), (k + 1) / 15, 3.0 * (k + 1), 5 - k) for k, c in enumerate(CHANNELS)
    ]

    reasons = ["recency_days high (+0.84)", "complaints_28d high (+0.41)", "engagement_trend low (+0.33)",
               "events_28d low (+0.20)", "avg_rating_90d low (+0.12)"]
    churn = []
    for k, p in enumerate(persons[:30]):
        score = (k * 37 % 100) / 100
        band = "high" if score >= 0.7 else "medium" if score >= 0.4 else "low"
        churn.append((d, p, score, band, [reasons[k % 5], reasons[(k + 1) % 5], reasons[(k + 3) % 5]], 2,
                      d))

    profiles = [
        (d, 0, 18, 0.45, 0.90, 12.0, 20.0, 0.08, 310.0, 0.05, False, ["grocery", "home"], 1),
        (d, 1, 12, 0.30, 0.70, 6.0, 9.0, 0.05, 120.0, 0.20, False, ["fashion"], 1),
        (d, 2, 10, 0.25, 0.10, 15.0, 31.0, 0.01, 12.0, 0.85, True, ["outdoor", "sports"], 1),
    ]
    segments = []
    for k, p in enumerate(persons):
        seg = k % 3
        customer = seg != 2 or k % 4 == 0
        segments.append((d, p, seg, seg == 2, profiles[seg][9], customer,
                         None if customer else (k * 13 % 100) / 100, ["low", "medium", "high"][k % 3],
                         CHANNELS[k % 5], 1))

    communities = [
        (d, "p000", 14, 10, 4, 10 / 14, 2, 0.2, 0.35, ["sku-1", "sku-7"], ["home"], ["p000"], []),
        (d, "p014", 16, 6, 10, 6 / 16, 4, 4 / 6, -0.25, ["sku-3"], ["sports"], [], ["p015", "p016"]),
        (d, "p030", 10, 9, 1, 0.9, 0, 0.0, 0.10, ["sku-2"], ["fashion"], ["p031"], []),
    ]
    influencers = [
        (d, "p000", 4.2, 1, 1.0, 12, 30, "p000", 0.6, True, "advocate"),
        (d, "p015", 3.1, 2, 0.98, 9, 22, "p014", -0.5, True, "detractor"),
        (d, "p031", 2.5, 3, 0.96, 7, 15, "p030", 0.4, False, "advocate"),
        (d, "p020", 2.2, 4, 0.95, 5, 11, "p014", 0.0, False, "neutral"),
    ]
    agents = []
    for k in range(6):
        contacts, customers, resolved = 20 + 3 * k, 15 + 2 * k, 18 - 2 * k
        churned = k + 1
        agents.append((d, f"agent-{k}", contacts, customers, resolved, resolved / contacts, 4.6 - 0.4 * k,
                       k, churned, churned / customers))

    def registry(version, trained, verdict, auc_roc, auc_pr):
        lift = [{"decile": i + 1, "n": 50, "positives": max(0.0, 20.0 - 2 * i), "rate": max(0.0, 0.4 - 0.04 * i),
                 "lift": max(0.0, 3.2 - 0.35 * i)} for i in range(10)]
        metrics = {"auc_roc": auc_roc, "auc_pr": auc_pr, "f1": 0.52, "log_loss": 0.41, "precision": 0.5,
                   "recall": 0.55, "threshold": 0.4, "base_rate": 0.12, "lift_top_decile": lift[0]["lift"]}
        details = {"candidates": {"logistic": {"validation_auc_roc": auc_roc}}, "lift": lift}
        return ("churn", version, trained, "logistic", "{}", ["recency_days", "events_28d"],
                trained - dt.timedelta(days=120), trained, trained - dt.timedelta(days=30),
                {"gold.features": 3}, metrics, json.dumps(details), "auc_roc", auc_roc,
                None if version == 1 else 1, None if version == 1 else 0.74, verdict, "fixture",
                f"/models/churn/v{version}")

    model_registry = [
        registry(1, d - dt.timedelta(days=14), "promoted", 0.74, 0.31),
        registry(2, d - dt.timedelta(days=7), "promoted", 0.78, 0.36),
        registry(3, d, "rejected", 0.70, 0.28),
        ("segments", 1, d - dt.timedelta(days=7), "kmeans", "{}", ["events_28d"], d, d, d, {}, {"silhouette": 0.4},
         "{}", "silhouette", 0.4, None, None, "promoted", "fixture", "/models/segments/v1"),
    ]

    return {
        "reporting.report_runs": [(d, [t.split(".")[1] for t in SCHEMAS if t.startswith("reporting.")], 40)],
        "reporting.channel_transitions": transitions,
        "reporting.journey_summary": summary,
        "reporting.attribution": attribution,
        "reporting.churn_risk": churn,
        "reporting.segment_profiles": profiles,
        "reporting.segments": segments,
        "reporting.communities": communities,
        "reporting.influencers": influencers,
        "reporting.service_performance": agents,
        "gold.model_registry": model_registry,
    }


def build(spark, lakehouse: str, report_date: str = REPORT_DATE) -> str:
    """Writes every table of SCHEMAS as Delta under ``<lakehouse>/<database>/<table>``; returns ``lakehouse``."""
    rows = _rows(dt.date.fromisoformat(report_date))
    for table, schema in SCHEMAS.items():
        _write(spark, spark.createDataFrame(rows[table], schema), lakehouse, table)
    return lakehouse


def build_broken(spark, demo: str, lakehouse: str) -> str:
    """A copy of the ``demo`` lakehouse with two contract breaks: reporting.influencers missing, and
    reporting.service_performance without its later_churn_rate column."""
    shutil.copytree(demo, lakehouse)
    shutil.rmtree(f"{lakehouse}/reporting/influencers")
    shutil.rmtree(f"{lakehouse}/reporting/service_performance")
    table = "reporting.service_performance"
    service = spark.read.format("delta").load(f"{demo}/reporting/service_performance")
    _write(spark, service.drop("later_churn_rate"), lakehouse, table)
    return lakehouse


def _write(spark, df, lakehouse: str, table: str) -> None:
    database, _, name = table.partition(".")
    writer = df.coalesce(1).write.format("delta").mode("overwrite")
    if table.startswith("reporting."):
        writer = writer.partitionBy("report_date")
    writer.save(f"{lakehouse.rstrip('/')}/{database}/{name}")


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    from cdx_notebook import spark_session

    if len(sys.argv) != 2:
        sys.exit("usage: fixture_lakehouse.py <root dir>  (writes <root>/demo and <root>/broken)")
    root = sys.argv[1].rstrip("/")
    session = spark_session("cdx-fixture-lakehouse")
    try:
        print("demo:", build(session, f"{root}/demo"))
        print("broken:", build_broken(session, f"{root}/demo", f"{root}/broken"))
    finally:
        session.stop()
