package org.customerdynamics.refine;

import static org.apache.spark.sql.functions.col;

import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Commits;
import org.customerdynamics.common.Identifiers;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.ingest.IngestJob;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code bronze.interactions} landed on {@code from..to} → {@code silver.interactions} and {@code
 * silver.consent}. Incremental: it reads only those landing dates (which include late events for
 * earlier event dates), MERGEs them on {@code event_id}, recomputes sessions only for the actors and
 * event dates they touch, so a rerun adds nothing.
 */
public final class RefineJob {
  private static final Logger LOG = LoggerFactory.getLogger(RefineJob.class);

  public static final String SILVER = "silver.interactions";

  /**
   * Deletion vectors: refine's session updates and identity's person_id stamping change a few rows
   * spread over many dates; with deletion vectors a MERGE writes only those rows instead of rewriting
   * every file that holds one (erase purges them, see docs/erasure.md).
   *
   * <p>File statistics only for the columns readers prune files by: the event's id and time, the
   * landing date (identity reads the rows landed on its dates) and person_id (its null count tells
   * identity which files hold stamped rows); event_date, the partition, needs none. The statistics
   * of the other columns, most of them hashed keys, free text and a map, whose ranges span every
   * file, cost each write (refine's, and identity's rewrite of the rows it stamps) a comparison per
   * row and value and prune nothing, as they did for bronze ({@code IngestJob.BRONZE_PROPERTIES}).
   * Columns whose values are (nearly) all distinct are written without a Parquet dictionary, which
   * they would outgrow.
   */
  public static final Map<String, String> SILVER_PROPERTIES =
      Map.of(
          "delta.enableDeletionVectors", "true",
          "delta.dataSkippingStatsColumns", "event_id,event_time,landing_date,person_id",
          "parquet.enable.dictionary#event_id", "false",
          "parquet.enable.dictionary#event_time", "false",
          "parquet.enable.dictionary#dedup_key", "false",
          "parquet.enable.dictionary#text", "false");
  public static final String CONSENT = "silver.consent";

  private final SparkSession spark;
  private final CdxConfig config;
  private final Lakehouse lakehouse;

  public RefineJob(SparkSession spark, CdxConfig config) {
    this.spark = spark;
    this.config = config;
    this.lakehouse = new Lakehouse(spark, config);
  }

  /** Refines landing dates {@code from..to}; returns the number of bronze rows read. */
  public long run(LocalDate from, LocalDate to) {
    if (!lakehouse.exists(IngestJob.BRONZE)) {
      throw new CdxException(
          "Cannot refine " + from + ".." + to + ": " + IngestJob.BRONZE + " does not exist; run ingest first");
    }
    Identifiers.register(spark, config.privacy().hashKey(), config.refine().defaultCountryCode());
    spark.sparkContext().setJobGroup("refine", "refine " + from + ".." + to, false);
    int attempts = config.ingest().commitAttempts();
    Dataset<Row> bronze =
        lakehouse.read(IngestJob.BRONZE).filter(col("landing_date").between(Date.valueOf(from), Date.valueOf(to)));
    Dataset<Row> batch = null;
    try {
      // The event dates the landed rows touch, and how many rows, from bronze's event times alone.
      spark.sparkContext().setJobDescription("refine: event dates");
      SortedMap<LocalDate, Long> rowsPerDate = new TreeMap<>();
      for (Row r : bronze.groupBy(RefineTransforms.eventDate(col("event_time"))).count().collectAsList()) {
        rowsPerDate.put(r.getDate(0).toLocalDate(), r.getLong(1));
      }
      if (rowsPerDate.isEmpty()) {
        LOG.warn("refine {}..{}: no bronze rows landed on these dates", from, to);
        return 0;
      }
      long n = rowsPerDate.values().stream().mapToLong(Long::longValue).sum();
      LocalDate first = rowsPerDate.firstKey();
      LocalDate last = rowsPerDate.lastKey();
      Dataset<Row> refined = RefineTransforms.refine(bronze);
      Commits.ensureTable(lakehouse, SILVER, refined.schema(), SILVER_PROPERTIES, "event_date");

      // Sessions take a day of context either side of the touched dates.
      Column window =
          col("event_date").between(Date.valueOf(first.minusDays(1)), Date.valueOf(last.plusDays(1)));
      // Nothing in silver on those dates or beside them (a first load, a backfill into a new
      // lakehouse): nothing to deduplicate against, no context for sessions, no row to update.
      Dataset<Row> consentEvents =
          lakehouse.read(SILVER).filter(window).isEmpty() ? firstLoad(refined, from, to, first, last, rowsPerDate.size()) : null;
      if (consentEvents == null) {
        // Silver as it is now: after a first load that met a concurrent commit, that commit's rows.
        batch = refined.persist(StorageLevel.MEMORY_AND_DISK());
        consentEvents =
            merge(batch, lakehouse.read(SILVER), new ArrayList<>(rowsPerDate.keySet()), window, first, last, attempts);
      }

      spark.sparkContext().setJobDescription("refine: merge silver.consent");
      Dataset<Row> consent = RefineTransforms.consent(consentEvents);
      Commits.ensureTable(lakehouse, CONSENT, consent.schema());
      Commits.retrying(
          "merge " + CONSENT,
          attempts,
          () ->
              lakehouse
                  .delta(CONSENT)
                  .as("t")
                  .merge(consent.as("s"), "t.identifier = s.identifier")
                  .whenMatched("s.event_time > t.event_time OR (s.event_time = t.event_time AND s.event_id > t.event_id)")
                  .updateAll()
                  .whenNotMatched()
                  .insertAll()
                  .execute());
      LOG.info("refine {}..{}: {} bronze rows, event dates {}..{}", from, to, n, first, last);
      return n;
    } finally {
      if (batch != null) {
        batch.unpersist(true);
      }
      spark.sparkContext().clearJobGroup();
    }
  }

  /**
   * The rows of {@code batch} that silver does not hold yet (deduplicated within the batch and
   * against silver's rows of the touched dates, as silver was before this run), sessioned over the
   * touched actors with silver's rows beside them, MERGEd on event_id: new rows are inserted, rows
   * whose session changed are updated. Returns the new rows.
   */
  private Dataset<Row> merge(
      Dataset<Row> batch, Dataset<Row> silver, List<LocalDate> eventDates, Column window, LocalDate first,
      LocalDate last, int attempts) {
    spark.sparkContext().setJobDescription("refine: deduplicate");
    Column touchedDates = col("event_date").isin(eventDates.stream().map(Date::valueOf).toArray());
    Dataset<Row> deduped = RefineTransforms.dedup(batch);
    Dataset<Row> known = silver.filter(touchedDates).select(col("dedup_key").as("_k"), col("event_id").as("_k_id"));
    Dataset<Row> fresh =
        deduped
            .join(known, deduped.col("dedup_key").equalTo(known.col("_k")), "left_outer")
            .filter(col("_k").isNull().or(col("_k_id").equalTo(col("event_id"))))
            .select(RefineTransforms.SILVER_COLUMNS.stream().map(c -> deduped.col(c)).toArray(Column[]::new))
            .dropDuplicates("event_id")
            // Read four times below (actors, new rows, consent): deduplicated once, against silver
            // as it was before this run's MERGE.
            .localCheckpoint(true);

    // Sessions over the touched actors, with a day of context either side.
    spark.sparkContext().setJobDescription("refine: sessions");
    Dataset<Row> actors = fresh.filter(col("actor_key").isNotNull()).select(col("actor_key").as("_a")).distinct();
    Dataset<Row> context = silver.filter(window);
    Dataset<Row> contextRows =
        context.join(actors, context.col("actor_key").equalTo(actors.col("_a")), "left_semi");
    Dataset<Row> newRows = fresh.join(context.select(col("event_id").as("_e")), fresh.col("event_id").equalTo(col("_e")), "left_anti");
    // Rows without an actor have no session context; they are sessioned alone below, once.
    Dataset<Row> all = contextRows.unionByName(newRows.filter(col("actor_key").isNotNull()));
    int gap = config.refine().sessionGapMinutes();
    Dataset<Row> updates =
        RefineTransforms.sessions(all, gap)
            .filter(col("event_date").geq(Date.valueOf(first)))
            .unionByName(RefineTransforms.sessions(newRows.filter(col("actor_key").isNull()), gap));

    spark.sparkContext().setJobDescription("refine: merge " + SILVER);
    String range = "t.event_date BETWEEN DATE'" + first + "' AND DATE'" + last.plusDays(1) + "'";
    Map<String, String> insert = new LinkedHashMap<>();
    for (String c : RefineTransforms.SILVER_COLUMNS) {
      insert.put(c, "s." + c);
    }
    Commits.retrying(
        "merge " + SILVER,
        attempts,
        () ->
            lakehouse
                .delta(SILVER)
                .as("t")
                .merge(updates.as("s"), range + " AND t.event_id = s.event_id")
                .whenMatched("NOT (t.session_id <=> s.session_id)")
                .updateExpr(Map.of("session_id", "s.session_id"))
                .whenNotMatched()
                .insertExpr(insert)
                .execute());
    return fresh;
  }

  /**
   * Silver holds nothing on the touched dates nor the days beside them: the batch, deduplicated
   * within itself and sessioned alone, is what the MERGE would insert, and nothing would match. It
   * is written as a partial overwrite of its own landing dates within those event dates, where the
   * check found no row. A commit that touches those dates during the write makes it fail: nothing is
   * written and null is returned, for the caller to MERGE instead. Rows another run committed there
   * between the check and the write are kept, but for those of the same landing dates: the same
   * rows, replaced by equal ones. Otherwise returns the new rows of consent events (the input of
   * silver.consent).
   *
   * <p>One pass, two shuffles: the rows are partitioned by actor once, deduplicated and sessioned
   * there (a duplicate shares its original's actor), then partitioned by date for the write. Unlike
   * the MERGE's path, nothing here drops repeated event ids: bronze holds one row per source and
   * event id (ingest MERGEs on them), and the event id is the source and that id.
   */
  private Dataset<Row> firstLoad(
      Dataset<Row> refined, LocalDate from, LocalDate to, LocalDate first, LocalDate last, int dates) {
    spark.sparkContext().setJobDescription("refine: deduplicate, sessions and write " + SILVER + " (first load)");
    int partitions = Integer.parseInt(spark.conf().get("spark.sql.shuffle.partitions"));
    Dataset<Row> byActor = refined.repartition(partitions, col("actor_key"));
    // One file per date, as Delta's MERGE writes them (it repartitions by the partition columns);
    // as many tasks as dates, so that a few tasks holding several dates do not leave a core idle.
    Dataset<Row> rows =
        RefineTransforms.sessions(RefineTransforms.dedup(byActor), config.refine().sessionGapMinutes())
            .repartition(dates, col("event_date"));
    // Not BETWEEN: Spark 4.1 fails to analyse it in a replaceWhere condition (an internal error).
    String replaced =
        "event_date >= DATE'" + first.minusDays(1) + "' AND event_date <= DATE'" + last.plusDays(1) + "'"
            + " AND landing_date >= DATE'" + from + "' AND landing_date <= DATE'" + to + "'";
    try {
      lakehouse.replaceWhere(rows, SILVER, replaced, "event_date");
    } catch (RuntimeException e) {
      if (!Commits.isConflict(e)) {
        throw e;
      }
      LOG.warn("refine: {} changed where this run wrote its first rows ({}): {}; merging instead", SILVER, replaced, e.toString());
      return null;
    }
    // Duplicates share their original's event type: the consent events deduplicated alone are
    // those of the whole batch deduplicated.
    return RefineTransforms.dedup(refined.filter(col("event_type").isin(RefineTransforms.CONSENT_EVENTS.toArray())));
  }
}
