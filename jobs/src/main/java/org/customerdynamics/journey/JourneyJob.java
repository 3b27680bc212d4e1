package org.customerdynamics.journey;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.ParallelWrites;
import org.customerdynamics.common.config.CdxConfig;

/**
 * The journeys job for one run date, over the window of {@code journeys.lookback-days} days ending on
 * it: sessions, channel transitions, paths to outcomes, Markov attribution, time to convert,
 * hand-offs, support journeys, and the person profile (customer 360, over all history up to the run
 * date). Reads silver.interactions (person_id stamped by identity) and silver.identity_map.
 *
 * <p>Per-run aggregates are replaced by run_date; per-session/journey/case tables are replaced over
 * the window's dates; the profile is replaced whole, as of the run date. Rerunning a date gives the
 * same tables.
 */
public final class JourneyJob {
  public static final String INTERACTIONS = "silver.interactions";
  public static final String IDENTITY_MAP = "silver.identity_map";
  public static final String SESSIONS = "gold.journey_sessions";
  public static final String TRANSITIONS = "gold.channel_transitions";
  public static final String PATHS = "gold.journey_paths";
  public static final String ATTRIBUTION = "gold.attribution";
  public static final String CONVERSIONS = "gold.journey_conversions";
  public static final String HANDOFFS = "gold.journey_handoffs";
  public static final String SUPPORT = "gold.support_journeys";
  public static final String PROFILE = "gold.person_profile";

  private final SparkSession spark;
  private final CdxConfig config;
  private final Lakehouse lakehouse;

  public JourneyJob(SparkSession spark, CdxConfig config) {
    this.spark = spark;
    this.config = config;
    this.lakehouse = new Lakehouse(spark, config);
  }

  /** What a run wrote, for the log line and tests. */
  public record Result(long sessions, long conversions, long persons) {}

  public Result run(LocalDate runDate) {
    JourneyConfig settings = config.journeys();
    LocalDate windowStart = runDate.minusDays(settings.lookbackDays() - 1L);
    java.sql.Date date = java.sql.Date.valueOf(runDate);
    java.sql.Date from = java.sql.Date.valueOf(windowStart);
    String run = "run_date = '" + runDate + "'";
    Dataset<Row> interactions = lakehouse.read(INTERACTIONS);
    Dataset<Row> identityMap = lakehouse.read(IDENTITY_MAP);

    phase("journeys: touchpoints up to " + runDate);
    Dataset<Row> history =
        JourneyTransforms.touchpoints(interactions.filter(col("event_date").leq(lit(date))))
            .localCheckpoint(true);
    Dataset<Row> touchpoints = history.filter(col("event_date").geq(lit(from)));
    // Sessions and cases that began the day before the window give context only, and are dropped.
    Dataset<Row> context =
        history.filter(col("event_date").geq(lit(java.sql.Date.valueOf(windowStart.minusDays(1)))));

    // Each table below is its own commit and none reads another's: they are written side by side
    // (spark.write-threads), each computing what it alone needs.
    Dataset<Row> visits = JourneyTransforms.visits(touchpoints).localCheckpoint(true);
    ParallelWrites writes = new ParallelWrites(spark, config.spark().writeThreads());
    long[] counts = new long[3];

    writes.add(SESSIONS, () -> {
      Dataset<Row> sessions =
          JourneyTransforms.sessions(context, settings.sessionGapMinutes())
              .filter(col("session_date").geq(lit(from)))
              .localCheckpoint(true);
      lakehouse.replaceWhere(sessions, SESSIONS, between("session_date", windowStart, runDate), "session_date");
      counts[0] = sessions.count();
    });
    writes.add(PROFILE, () -> {
      Dataset<Row> profile = JourneyTransforms.personProfile(history, identityMap, runDate).localCheckpoint(true);
      lakehouse.overwrite(profile, PROFILE);
      counts[2] = profile.count();
    });
    writes.add(CONVERSIONS + ", " + ATTRIBUTION, () -> {
      Dataset<Row> journeys = JourneyTransforms.conversionJourneys(visits).localCheckpoint(true);
      Dataset<Row> conversions = JourneyTransforms.conversions(journeys).localCheckpoint(true);
      lakehouse.replaceWhere(
          conversions, CONVERSIONS, between("conversion_date", windowStart, runDate), "conversion_date");
      counts[1] = conversions.count();
      lakehouse.replaceWhere(attribution(journeys, counts[1], date), ATTRIBUTION, run);
    });
    writes.add(TRANSITIONS, () ->
        lakehouse.replaceWhere(stamp(JourneyTransforms.transitions(visits), date), TRANSITIONS, run));
    writes.add(PATHS, () ->
        lakehouse.replaceWhere(
            stamp(
                JourneyTransforms.paths(visits, settings.pathLength(), runDate, settings.churnInactivityDays()),
                date),
            PATHS,
            run));
    writes.add(HANDOFFS, () ->
        lakehouse.replaceWhere(
            stamp(JourneyTransforms.handoffs(visits, settings.handoffHours()), date), HANDOFFS, run));
    writes.add(SUPPORT, () -> {
      Dataset<Row> support =
          JourneyTransforms.supportJourneys(context, settings.supportCaseDays())
              .filter(col("started_date").geq(lit(from)));
      lakehouse.replaceWhere(support, SUPPORT, between("started_date", windowStart, runDate), "started_date");
    });
    phase("journeys: sessions, transitions, paths, hand-offs, conversions, attribution, support, profile");
    writes.run();
    return new Result(counts[0], counts[1], counts[2]);
  }

  private static String between(String column, LocalDate from, LocalDate to) {
    return column + " >= '" + from + "' AND " + column + " <= '" + to + "'";
  }

  private static Dataset<Row> stamp(Dataset<Row> data, java.sql.Date runDate) {
    List<org.apache.spark.sql.Column> cols = new ArrayList<>();
    cols.add(lit(runDate).as("run_date"));
    for (String c : data.columns()) {
      cols.add(col(c));
    }
    return data.select(cols.toArray(org.apache.spark.sql.Column[]::new));
  }

  /**
   * gold.attribution rows: Markov removal effect and attributed conversions per channel, beside
   * last-touch conversions.
   */
  private Dataset<Row> attribution(Dataset<Row> journeys, long conversions, java.sql.Date runDate) {
    List<MarkovAttribution.Transition> transitions = new ArrayList<>();
    for (Row r : JourneyTransforms.markovTransitions(journeys).collectAsList()) {
      transitions.add(new MarkovAttribution.Transition(r.getString(0), r.getString(1), r.getLong(2)));
    }
    double base = MarkovAttribution.conversionProbability(transitions, null);
    List<Row> rows = new ArrayList<>();
    for (MarkovAttribution.ChannelShare s : MarkovAttribution.attribute(transitions, conversions)) {
      rows.add(
          RowFactory.create(
              runDate, s.channel(), base, s.removalEffect(), s.share(), s.attributedConversions()));
    }
    StructType schema =
        new StructType()
            .add("run_date", DataTypes.DateType)
            .add("channel", DataTypes.StringType)
            .add("conversion_probability", DataTypes.DoubleType)
            .add("removal_effect", DataTypes.DoubleType)
            .add("share", DataTypes.DoubleType)
            .add("attributed_conversions", DataTypes.DoubleType);
    Dataset<Row> markov = spark.createDataFrame(rows, schema);
    Dataset<Row> lastTouch = JourneyTransforms.lastTouch(journeys);
    return markov
        .join(lastTouch, markov.col("channel").equalTo(lastTouch.col("channel")), "left_outer")
        .select(
            markov.col("run_date"),
            markov.col("channel"),
            markov.col("conversion_probability"),
            markov.col("removal_effect"),
            markov.col("share"),
            markov.col("attributed_conversions"),
            org.apache.spark.sql.functions.coalesce(lastTouch.col("last_touch_conversions"), lit(0L))
                .as("last_touch_conversions"));
  }

  private void phase(String description) {
    spark.sparkContext().setJobDescription(description);
  }
}
