package org.customerdynamics.report;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.when;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Commits;
import org.customerdynamics.common.FaultPoints;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.ParallelWrites;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.refine.RefineTransforms;

/**
 * {@code report --run-date D}: every reporting table of SPEC §6 for D (docs/tables-reporting.md).
 * Each table is partitioned by {@code report_date} and replaced for D in one Delta commit; when all
 * are written, D is appended to {@code reporting.report_runs}, which dashboards use to read only
 * complete days. Inputs written by other jobs for D (or the latest date before it) are optional
 * where a column can stay empty; silver.interactions and gold.person_profile are required.
 *
 * <p>Runs for different dates, or the same date, may write at once: each table is created empty
 * before its first write (so a run never overwrites a table another run has just created) and each
 * commit is retried on a Delta conflict ({@code ingest.commit-attempts}); the writes are idempotent.
 */
public final class ReportJob {
  static final String RUNS = "reporting.report_runs";

  private final SparkSession spark;
  private final CdxConfig config;
  private final Lakehouse lakehouse;

  public ReportJob(SparkSession spark, CdxConfig config) {
    this.spark = spark;
    this.config = config;
    this.lakehouse = new Lakehouse(spark, config);
  }

  public List<String> run(LocalDate runDate) {
    ReportConfig rc = config.report();
    java.sql.Date d = java.sql.Date.valueOf(runDate);
    Dataset<Row> interactions =
        lakehouse.read("silver.interactions").filter(col("event_date").leq(lit(d)));
    if (!lakehouse.exists("gold.person_profile")) {
      throw new CdxException(
          "Cannot report " + runDate + ": gold.person_profile is missing; run `cdx journeys --run-date " + runDate + "` first");
    }
    Dataset<Row> profile = lakehouse.read("gold.person_profile");
    Dataset<Row> status = ReportTransforms.personStatus(interactions).cache();
    List<String> written = new ArrayList<>();

    Dataset<Row> churn = scores("churn", runDate);
    Dataset<Row> loyalty = scores("loyalty", runDate);
    Dataset<Row> segments = latest("gold.segments", "snapshot_date", runDate);
    Dataset<Row> sentiment = latest("gold.sentiment_scores", "snapshot_date", runDate);
    Dataset<Row> silent = latest("gold.silent_unhappy", "snapshot_date", runDate);
    Dataset<Row> graph = latest("gold.graph_features", "run_date", runDate);
    Dataset<Row> consent = consent(interactions);

    // customer_360
    Dataset<Row> c360 =
        profile
            .join(alias(churn, "ch_", "person_id", "score", "band"), col("person_id").equalTo(col("ch_person_id")), "left_outer")
            .join(alias(loyalty, "lo_", "person_id", "band", "value"), col("person_id").equalTo(col("lo_person_id")), "left_outer")
            .join(alias(segments, "sg_", "person_id", "segment_id", "untapped", "lookalike_score"), col("person_id").equalTo(col("sg_person_id")), "left_outer")
            .join(alias(sentiment, "se_", "person_id", "sentiment"), col("person_id").equalTo(col("se_person_id")), "left_outer")
            .join(alias(silent, "si_", "person_id"), col("person_id").equalTo(col("si_person_id")), "left_outer")
            .join(alias(graph, "gr_", "person_id", "community_id", "influence_percentile"), col("person_id").equalTo(col("gr_person_id")), "left_outer")
            .join(consent, col("person_id").equalTo(col("cs_person_id")), "left_outer")
            .select(
                col("person_id"),
                isCustomer(profile),
                col("first_seen"), col("last_seen"), col("recency_days"), col("active_days"), col("events"),
                col("channels_used"), col("channel_count"), col("purchases"), col("revenue"), col("avg_order_value"),
                col("support_contacts"), col("complaints"), col("avg_rating"),
                coalesce(col("se_sentiment"), col("sentiment")).as("sentiment"),
                col("ch_score").as("churn_score"), col("ch_band").as("churn_band"),
                col("lo_band").as("loyalty_tier"), col("lo_value").as("expected_value"),
                col("sg_segment_id").as("segment_id"), col("sg_untapped").as("untapped_segment"),
                col("sg_lookalike_score").as("lookalike_score"),
                col("si_person_id").isNotNull().as("silent_unhappy"),
                col("gr_community_id").as("community_id"), col("gr_influence_percentile").as("influence_percentile"),
                coalesce(col("marketing_consent"), lit(false)).as("marketing_consent"),
                coalesce(col("unsubscribed"), lit(false)).as("unsubscribed"));
    // customer_360 first, alone; the other tables after it, side by side (spark.write-threads).
    write(c360, "customer_360", runDate);
    written.add("customer_360");
    ParallelWrites rest = new ParallelWrites(spark, config.spark().writeThreads());

    rest.add("churn_risk", () -> write(
        churn.select(
            col("person_id"), col("score").as("churn_score"), col("band").as("churn_band"),
            col("top_reasons"), col("model_version"), col("snapshot_date")),
        "churn_risk", runDate));
    rest.add("loyalty", () -> write(
        loyalty.select(
            col("person_id"), col("band").as("loyalty_tier"), col("score").as("repeat_propensity"),
            col("value").as("expected_value"), col("top_reasons"), col("model_version")),
        "loyalty", runDate));

    Dataset<Row> topChannel =
        interactions.filter(col("person_id").isNotNull())
            .groupBy(col("person_id").as("tc_person_id"), col("channel")).count()
            .groupBy("tc_person_id").agg(max_by(col("channel"), struct(col("count"), col("channel"))).as("top_channel"));
    if (segments.columns().length > 0) {
      rest.add("segments", () -> write(
        segments
            .join(alias(churn, "ch_", "person_id", "band"), col("person_id").equalTo(col("ch_person_id")), "left_outer")
            .join(topChannel, col("person_id").equalTo(col("tc_person_id")), "left_outer")
            .select(
                col("person_id"), col("segment_id"), col("untapped"), col("untapped_score"), col("is_customer"),
                col("lookalike_score"), col("ch_band").as("churn_band"), col("top_channel"), col("model_version")),
        "segments", runDate));
    }

    if (lakehouse.exists("gold.segment_profiles") && segments.columns().length > 0) {
      Dataset<Row> profiles = lakehouse.read("gold.segment_profiles");
      Row champion = segments.agg(max("model_version")).head();
      if (!champion.isNullAt(0)) {
        rest.add("segment_profiles", () -> write(
            profiles.filter(col("model_version").equalTo(lit(champion.get(0))))
                .select(
                    "segment_id", "size", "share", "customer_share", "avg_events_28d", "avg_interest_28d",
                    "avg_conversion_90d", "avg_monetary_90d", "untapped_score", "untapped", "top_categories", "model_version"),
            "segment_profiles", runDate));
      }
    }

    Dataset<Row> paths = latest("gold.journey_paths", "run_date", runDate);
    if (paths.columns().length > 0) {
      rest.add("journey_summary", () -> write(
          paths.filter(col("rank").leq(rc.topPaths()))
              .select("outcome", "rank", "path", "path_length", "journeys", "persons", "share"),
          "journey_summary", runDate));
    }
    Dataset<Row> transitions = latest("gold.channel_transitions", "run_date", runDate);
    if (transitions.columns().length > 0) {
      rest.add("channel_transitions", () -> write(
          transitions.select("period", "from_channel", "to_channel", "transitions", "probability"),
          "channel_transitions", runDate));
    }
    Dataset<Row> attribution = latest("gold.attribution", "run_date", runDate);
    if (attribution.columns().length > 0) {
      rest.add("attribution", () -> write(attribution.drop("run_date"), "attribution", runDate));
    }
    Dataset<Row> communities = latest("gold.community_profiles", "run_date", runDate);
    if (communities.columns().length > 0) {
      rest.add("communities", () -> write(communities.drop("run_date"), "communities", runDate));
    }
    Dataset<Row> influence = latest("gold.influence", "run_date", runDate);
    if (influence.columns().length > 0) {
      Dataset<Row> roles = communities.columns().length > 0 ? roles(communities) : null;
      Dataset<Row> infl =
          influence.filter(col("pagerank_percentile").geq(rc.influencerPercentile()))
              .join(alias(graph, "gr_", "person_id", "community_id"), col("person_id").equalTo(col("gr_person_id")), "left_outer")
              .join(alias(sentiment, "se_", "person_id", "sentiment"), col("person_id").equalTo(col("se_person_id")), "left_outer")
              .join(profile.select(col("person_id").as("pp_person_id"), isCustomer(profile)), col("person_id").equalTo(col("pp_person_id")), "left_outer");
      if (roles != null) {
        infl = infl.join(roles, col("person_id").equalTo(col("r_person_id")), "left_outer");
      } else {
        infl = infl.withColumn("role", lit(null).cast("string"));
      }
      Dataset<Row> influencers = infl;
      rest.add("influencers", () -> write(
          influencers.select(
              col("person_id"), col("pagerank"), col("pagerank_rank"), col("pagerank_percentile"), col("in_degree"),
              col("reach_2hop"), col("gr_community_id").as("community_id"), col("se_sentiment").as("sentiment"),
              col("is_customer"), coalesce(col("role"), lit("neutral")).as("role")),
          "influencers", runDate));
    }

    Dataset<Row> textSentiment =
        lakehouse.exists("gold.text_sentiment")
            ? lakehouse.read("gold.text_sentiment").select(col("event_id").as("ts_event_id"), col("sentiment"))
            : spark.createDataFrame(List.of(), new StructType().add("ts_event_id", DataTypes.StringType).add("sentiment", DataTypes.DoubleType));
    rest.add("feedback_insights", () -> write(
        ReportTransforms.feedbackInsights(interactions, textSentiment), "feedback_insights", runDate));

    Dataset<Row> contacts =
        interactions
            .filter(col("event_type").isin("support_contact", "complaint"))
            .select(
                col("agent_id"), col("person_id"), col("event_time"), col("event_type"), col("rating"),
                lower(element_at(col("properties"), "outcome")).as("outcome"));
    rest.add("service_performance", () -> write(
        ReportTransforms.servicePerformance(
            contacts, status.select("st_person_id", "last_seen", "cancelled_at"), runDate, rc.churnInactivityDays()),
        "service_performance", runDate));

    rest.add("daily_kpis", () -> write(
        ReportTransforms.dailyKpis(
            interactions, status.select(col("st_person_id").as("fs_person_id"), col("first_date")),
            runDate.minusDays(rc.kpiDays() - 1), runDate),
        "daily_kpis", runDate));
    written.addAll(rest.run());

    long persons = lakehouse.read("reporting.customer_360").filter(col("report_date").equalTo(lit(d))).count();
    StructType runSchema =
        new StructType()
            .add("report_date", DataTypes.DateType, false)
            .add("tables", DataTypes.createArrayType(DataTypes.StringType), false)
            .add("persons", DataTypes.LongType, false);
    Dataset<Row> run =
        spark.createDataFrame(List.of(RowFactory.create(d, written.toArray(new String[0]), persons)), runSchema);
    FaultPoints.reach("report.before-runs");
    replace(run, RUNS, runDate);
    status.unpersist();
    System.out.printf("report %s: %d tables, %,d persons in customer_360: %s%n", runDate, written.size(), persons, written);
    return written;
  }

  private static Column isCustomer(Dataset<Row> profile) {
    List<String> cols = Arrays.asList(profile.columns());
    if (cols.contains("is_customer")) {
      return col("is_customer");
    }
    return org.apache.spark.sql.functions.array_contains(col("identifier_types"), "cu").or(col("purchases").gt(0)).as("is_customer");
  }

  /** Advocates and detractors of their community, from the community profiles. */
  private static Dataset<Row> roles(Dataset<Row> communities) {
    Dataset<Row> adv =
        communities.select(org.apache.spark.sql.functions.explode(col("advocates")).as("r_person_id")).withColumn("role", lit("advocate"));
    Dataset<Row> det =
        communities.select(org.apache.spark.sql.functions.explode(col("detractors")).as("r_person_id")).withColumn("role", lit("detractor"));
    return adv.unionByName(det).dropDuplicates("r_person_id");
  }

  /** Marketing consent per person: the latest consent_change wins; an unsubscribe withdraws it. */
  static Dataset<Row> consent(Dataset<Row> interactions) {
    Column type = col("event_type");
    Dataset<Row> events =
        interactions
            .filter(col("person_id").isNotNull().and(type.isin(RefineTransforms.CONSENT_EVENTS.toArray())))
            .select(
                col("person_id"),
                col("event_time"),
                when(type.equalTo("unsubscribe"), lit(false))
                    .otherwise(lower(coalesce(element_at(col("properties"), "consent_marketing"), lit("no"))).isin("yes", "true", "1", "y"))
                    .as("consent"),
                type.equalTo("unsubscribe").as("is_unsubscribe"));
    return events
        .groupBy(col("person_id").as("cs_person_id"))
        .agg(
            max_by(col("consent"), col("event_time")).as("marketing_consent"),
            max(col("is_unsubscribe")).as("unsubscribed"))
        .withColumn("marketing_consent", col("marketing_consent").and(org.apache.spark.sql.functions.not(col("unsubscribed"))));
  }

  private Dataset<Row> scores(String model, LocalDate runDate) {
    Dataset<Row> s = latest("gold.scores", "snapshot_date", runDate);
    if (s.columns().length == 0) {
      return emptyScores();
    }
    Dataset<Row> m = s.filter(col("model_name").equalTo(model));
    return m;
  }

  private Dataset<Row> emptyScores() {
    StructType t =
        new StructType()
            .add("person_id", DataTypes.StringType)
            .add("score", DataTypes.DoubleType)
            .add("band", DataTypes.StringType)
            .add("value", DataTypes.DoubleType)
            .add("top_reasons", DataTypes.createArrayType(DataTypes.StringType))
            .add("model_version", DataTypes.LongType)
            .add("snapshot_date", DataTypes.DateType);
    return spark.createDataFrame(List.of(), t);
  }

  /** Rows of the latest date ≤ runDate of a dated table; an empty frame (no columns) when absent. */
  private Dataset<Row> latest(String table, String dateColumn, LocalDate runDate) {
    if (!lakehouse.exists(table)) {
      return spark.emptyDataFrame();
    }
    Dataset<Row> t = lakehouse.read(table);
    if (!Arrays.asList(t.columns()).contains(dateColumn)) {
      return t;
    }
    Row latest = t.filter(col(dateColumn).leq(lit(java.sql.Date.valueOf(runDate)))).agg(max(dateColumn)).head();
    if (latest.isNullAt(0)) {
      return t.limit(0);
    }
    return t.filter(col(dateColumn).equalTo(lit(latest.get(0))));
  }

  /** Selects columns of a frame under a prefix (null columns when the frame is absent or lacks them). */
  private static Dataset<Row> alias(Dataset<Row> df, String prefix, String... columns) {
    List<String> have = Arrays.asList(df.columns());
    List<Column> cols = new ArrayList<>();
    for (String c : columns) {
      cols.add((have.contains(c) ? col(c) : lit(null).cast(c.equals("untapped") ? "boolean" : c.endsWith("_id") || c.equals("band") ? "string" : "double")).as(prefix + c));
    }
    if (df.columns().length == 0) {
      return df.sparkSession().range(0).select(cols.toArray(new Column[0]));
    }
    return df.select(cols.toArray(new Column[0]));
  }

  private void write(Dataset<Row> table, String name, LocalDate runDate) {
    spark.sparkContext().setJobDescription("report " + name);
    Dataset<Row> stamped =
        table.select(lit(java.sql.Date.valueOf(runDate)).as("report_date"), col("*"));
    replace(stamped, "reporting." + name, runDate, "report_date");
    FaultPoints.reach("report.after." + name);
  }

  /** Replaces the run date's rows of a table in one commit, retried on a concurrent commit. */
  private void replace(Dataset<Row> data, String table, LocalDate runDate, String... partitionColumns) {
    Commits.ensureTable(lakehouse, table, data.schema(), partitionColumns);
    Commits.retrying(
        "write " + table,
        config.ingest().commitAttempts(),
        () -> lakehouse.replaceWhere(data, table, "report_date = DATE'" + runDate + "'", partitionColumns));
  }
}
