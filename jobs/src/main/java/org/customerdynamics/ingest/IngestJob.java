package org.customerdynamics.ingest;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;

import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.execution.LogicalRDD;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Commits;
import org.customerdynamics.common.FaultPoints;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Landing zone → {@code bronze.interactions}, {@code bronze.quarantine}, {@code bronze.ingest_ledger}
 * for landing dates {@code from..to}: reads every configured source's files, maps, validates,
 * deduplicates and writes each (landing date, source) slice with {@code replaceWhere}, so a rerun
 * gives the same tables and runs for different dates can write side by side. Fails after writing
 * when a ledger row does not balance or a source quarantines more than {@code
 * ingest.max-quarantine-share} of a day's lines.
 */
public final class IngestJob {
  private static final Logger LOG = LoggerFactory.getLogger(IngestJob.class);

  public static final String BRONZE = "bronze.interactions";
  public static final String QUARANTINE = "bronze.quarantine";
  public static final String LEDGER = "bronze.ingest_ledger";

  private final SparkSession spark;
  private final CdxConfig config;
  private final Lakehouse lakehouse;
  private final IngestConfig settings;

  public IngestJob(SparkSession spark, CdxConfig config) {
    this.spark = spark;
    this.config = config;
    this.lakehouse = new Lakehouse(spark, config);
    this.settings = config.ingest();
  }

  /** What one run did, per (landing date, source). */
  public record SliceReport(
      LocalDate landingDate, String source, int files, long lines, long bronze, long quarantined, long duplicates) {}

  /** Ingests landing dates {@code from..to} of the configured sources (or {@code only}). */
  public List<SliceReport> run(LocalDate from, LocalDate to, List<String> only) {
    Map<String, SourceMapping> mappings = mappings(only);
    IngestTransforms.Limits limits = limits();
    List<LocalDate> dates = dates(from, to);
    List<LandingReader.LandedFile> files = new ArrayList<>();
    for (LocalDate date : dates) {
      for (SourceMapping m : mappings.values()) {
        files.addAll(LandingReader.list(spark.sparkContext().hadoopConfiguration(), config.landing(), m, date));
      }
    }
    if (files.isEmpty()) {
      LOG.warn("ingest {}..{}: no files landed for sources {}", from, to, mappings.keySet());
      return List.of();
    }
    spark.conf().set("spark.sql.mapKeyDedupPolicy", "LAST_WIN");
    spark.sparkContext().setJobGroup("ingest", "ingest " + from + ".." + to, false);
    try {
      int attempts = settings.commitAttempts();
      for (int attempt = 1; ; attempt++) {
        List<Row> ledger;
        try {
          ledger = ingestOnce(mappings, files, limits);
        } catch (RuntimeException e) {
          if (!Commits.isConflict(e) || attempt >= attempts) {
            throw e;
          }
          LOG.warn("ingest {}..{}: a concurrent run wrote bronze first; redoing ({}/{})", from, to, attempt, attempts);
          continue;
        }
        // A run that committed between our dedup read and our MERGE leaves a ledger row unbalanced:
        // redo the (idempotent) slices with the fresh table.
        if (ledger.stream().anyMatch(r -> !r.<Boolean>getAs("balanced")) && attempt < attempts) {
          LOG.warn("ingest {}..{}: ledger unbalanced after a concurrent commit; redoing ({}/{})", from, to, attempt, attempts);
          continue;
        }
        return check(ledger);
      }
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  /**
   * One pass over the slices: read, validate, deduplicate, write bronze, quarantine and ledger. The
   * landing files are read and validated once (kept in memory or on local disk for the run); the
   * deduplication shuffles only narrow key columns, then each table is written in one commit.
   * Returns the ledger rows written, in landing date, source and file order (none when no file had
   * a line to read).
   */
  private List<Row> ingestOnce(
      Map<String, SourceMapping> mappings, List<LandingReader.LandedFile> files, IngestTransforms.Limits limits) {
    Timer timer = new Timer();
    Dataset<Row> validated = null;
    // Tasks for reading: two per core in all, shared out by bytes among the groups of files read
    // together. Every later pass over the records (cached in these partitions) has as many tasks,
    // and each task costs a fixed deserialisation of the plan.
    int budget = readTasks();
    double totalBytes = Math.max(1, files.stream().mapToDouble(IngestJob::textBytes).sum());
    for (List<LandingReader.LandedFile> group : readGroups(mappings, files)) {
      SourceMapping m = mappings.get(group.get(0).source());
      double bytes = group.stream().mapToDouble(IngestJob::textBytes).sum();
      int slices = (int) Math.ceil(budget * bytes / totalBytes);
      Dataset<Row> lines = LandingReader.lines(spark, config.landing(), group, m.csv(), settings.maxLineBytes(), slices);
      Dataset<Row> v = IngestTransforms.canonicalise(IngestTransforms.parse(lines, m, group.get(0).header()), m, limits);
      validated = validated == null ? v : validated.unionByName(v);
    }
    if (validated == null) {
      return List.of();
    }

    // Slices this run replaces: (landing date, source) pairs with files.
    String slices = slicePredicate(files, "");
    Dataset<Row> existing = null;
    boolean bronzeExisted = lakehouse.exists(BRONZE);
    if (bronzeExisted) {
      existing =
          lakehouse
              .read(BRONZE)
              .filter(col("source").isin(mappings.keySet().toArray()))
              .filter("NOT (" + slices + ")")
              .select("source", "event_id", "record_hash", "source_file", "line_number");
    }
    // The records are kept for the run as the rows Spark computed (a local checkpoint, in memory or
    // on local disk), written by the first pass and read by every later one. A cache (persist) would
    // store them as columns, built per record and decoded again by every pass; bronze's pass reads
    // them all. Rows measured faster (docs/benchmarks.md, the third speed-up).
    // Without lineage, a partition lost with its executor fails the run, which a rerun redoes.
    validated = validated.localCheckpoint(false, StorageLevel.MEMORY_AND_DISK());
    Dataset<Row> candidates = IngestTransforms.candidateKeys(validated, existing).persist(StorageLevel.MEMORY_AND_DISK());
    Column run = runColumn();
    // The tables' schemas are known before any record is read: the tables are created (first run)
    // and registered in the catalog on the side, while the records are read.
    Dataset<Row> planned = IngestTransforms.decide(validated, IngestTransforms.firstOccurrences(validated, candidates));
    Map<String, StructType> schemas = new LinkedHashMap<>();
    schemas.put(BRONZE, IngestTransforms.bronze(planned, "").withColumn("ingest_run", run).schema());
    schemas.put(QUARANTINE, IngestTransforms.quarantine(planned, "").withColumn("ingest_run", run).schema());
    schemas.put(LEDGER, IngestLedger.SCHEMA);
    Dataset<Row> keys = null;
    Future<Long> quarantineWrite = null;
    ExecutorService side = Executors.newSingleThreadExecutor();
    Future<?> tables =
        side.submit(
            () ->
                schemas.forEach(
                    (table, schema) ->
                        Commits.ensureTable(
                            lakehouse, table, schema, table.equals(BRONZE) ? BRONZE_PROPERTIES : Map.of(), "landing_date")));
    side.shutdown();
    try {
      timer.lap("plan");
      spark.sparkContext().setJobDescription("ingest: read, map and validate " + files.size() + " files; find repeated keys");
      long repeated = candidates.count();
      timer.lap("read+validate");
      // The first occurrence of each repeated key, over the records of those keys alone.
      boolean small = repeated <= BROADCAST_KEYS;
      keys =
          IngestTransforms.firstOccurrences(validated, small ? broadcast(candidates) : candidates)
              .persist(StorageLevel.MEMORY_AND_DISK());
      Dataset<Row> outcomes = IngestTransforms.decide(validated, small ? broadcast(keys) : keys);
      Dataset<Row> bronze = IngestTransforms.bronze(outcomes, "").withColumn("ingest_run", run);

      // The per-file outcome counts (a few rows per file), in one pass over the records, before any
      // write: lines read, duplicates and the records each table should get.
      spark.sparkContext().setJobDescription("ingest: count outcomes per file");
      List<Row> counted = IngestTransforms.outcomeCounts(outcomes).collectAsList();
      long accepted = IngestLedger.total(counted, IngestTransforms.ACCEPTED);
      Dataset<Row> quarantine =
          IngestTransforms.quarantine(outcomes, "", conflictLines(mappings, files, counted)).withColumn("ingest_run", run);
      long expectedQuarantined = IngestLedger.total(counted, IngestTransforms.QUARANTINED);
      timer.lap("outcomes");

      FaultPoints.reach("ingest.before-bronze");
      await(tables, "creating the bronze tables");
      // The quarantine is written beside the bronze MERGE, on a thread of its own: its few rows cost
      // the run mostly Delta's fixed work per write (snapshot, commit), which the MERGE's tasks hide.
      // The ledger, which vouches for both tables, is written once both have committed.
      // One task per landing date writes its partition: a file per date, not one per date and task.
      Dataset<Row> quarantineByDate = quarantine.repartition(col("landing_date"));
      String token = runToken();
      ExecutorService writer = Executors.newSingleThreadExecutor();
      quarantineWrite =
          writer.submit(
              () -> {
                spark.sparkContext().setJobDescription("ingest: write bronze.quarantine");
                Commits.retrying(
                    "write " + QUARANTINE, settings.commitAttempts(), () -> write(quarantineByDate, QUARANTINE, slices, token));
                return writtenRows(QUARANTINE, token);
              });
      writer.shutdown();

      // MERGE on the key: it reads the whole table, so a concurrent run that inserts the same keys
      // makes one of the two commits fail and redo; rows of our slices no longer produced go away.
      spark.sparkContext().setJobDescription("ingest: merge bronze.interactions");
      var merge =
          lakehouse.delta(BRONZE).as("t").merge(bronze.as("s"), "t.source = s.source AND t.event_id = s.event_id");
      boolean emptyBronze = !bronzeExisted || lakehouse.numFiles(BRONZE) == 0;
      boolean firstRun =
          emptyBronze
              || lakehouse.read(BRONZE).filter(slices).select("landing_date").limit(1).collectAsList().isEmpty();
      Map<String, Long> bronzeCounts;
      if (firstRun) {
        // No row of our slices in bronze yet (the first run of these dates): the update and delete
        // clauses below could not apply, and an insert-only MERGE gives the same table through
        // Delta's optimised path (one anti-join on the key, the source read once). It still reads
        // the whole table, so concurrent runs conflict and redo as with the full MERGE.
        // Into an empty bronze (the first load, often of a history) the records are written by the
        // tasks that read them: each writes a file per landing date it holds (a task reads whole
        // files of one source in date order), about one file per landed file; maintain compacts
        // them. Shuffling them by date first would move every record once more.
        // Otherwise Delta shuffles the records by landing date for the write, and each task writes
        // the files of its dates: one file per date. Left to adaptive execution, the partitions
        // would be merged by size into about one per core, and a few large tasks leave a core idle
        // at the end; kept apart, the dates spread over more, smaller tasks.
        Row metrics =
            withSettings(
                emptyBronze ? STRAIGHT_WRITE : NO_COALESCING, () -> merge.whenNotMatched().insertAll().execute().head());
        long inserted = metrics.getLong(metrics.fieldIndex("num_inserted_rows"));
        // Our slices held no row and the accepted keys are unique, so when the MERGE inserted every
        // accepted record, bronze holds exactly the accepted records of each file. When it inserted
        // fewer (a run that committed a key of ours in between: another date's late event, or a run
        // of the same dates after our check), bronze is counted back and the ledger shows the
        // shortfall, which makes the run redo its slices with the fresh table.
        if (inserted == accepted) {
          bronzeCounts = IngestLedger.countsOf(counted, IngestTransforms.ACCEPTED);
        } else {
          LOG.warn("ingest: the bronze MERGE inserted {} of {} accepted records; counting bronze back", inserted, accepted);
          bronzeCounts = counts(BRONZE, slices);
        }
      } else {
        merge
            .whenMatched(slicePredicate(files, "t."))
            .updateAll()
            .whenNotMatched()
            .insertAll()
            .whenNotMatchedBySource(slicePredicate(files, "t."))
            .delete()
            .execute();
        bronzeCounts = counts(BRONZE, slices);
      }
      timer.lap("bronze");
      FaultPoints.reach("ingest.after-bronze");

      // The quarantine as written: when its commit says it wrote every quarantined record, it holds
      // exactly this run's quarantined records of its slices (replaceWhere), file by file; else (the
      // commit not found among the latest, or other records written: a concurrent commit to bronze
      // makes Spark recompute the cached keys that read it) it is counted back.
      Future<Long> quarantined = quarantineWrite;
      quarantineWrite = null;
      long written = await(quarantined, "writing " + QUARANTINE);
      Map<String, Long> quarantineCounts;
      if (written == expectedQuarantined) {
        quarantineCounts = IngestLedger.countsOf(counted, IngestTransforms.QUARANTINED);
      } else {
        // A write of no rows over slices that held none commits nothing (nothing to find): usual,
        // and counted back quietly. Any other difference is worth a line in the log.
        if (written >= 0 || expectedQuarantined > 0) {
          LOG.warn("ingest: the quarantine write reports {} of {} quarantined records; counting it back", written, expectedQuarantined);
        }
        quarantineCounts = counts(QUARANTINE, slices);
      }
      timer.lap("quarantine");

      // The ledger rows (one per file) are computed on the driver from the counts, written, and
      // checked as they are: no read-back of the table just written.
      spark.sparkContext().setJobDescription("ingest: write bronze.ingest_ledger");
      List<Row> ledgerRows = IngestLedger.rows(files, counted, bronzeCounts, quarantineCounts, IngestJob::runId);
      Dataset<Row> ledgerByDate = spark.createDataFrame(ledgerRows, IngestLedger.SCHEMA).repartition(col("landing_date"));
      FaultPoints.reach("ingest.before-ledger");
      // Its few rows in as many tasks as shuffle partitions: merged into one, a single task would
      // write every date's file in turn.
      Commits.retrying(
          "write " + LEDGER,
          settings.commitAttempts(),
          () -> withSettings(NO_COALESCING, () -> {
            write(ledgerByDate, LEDGER, slices);
            return null;
          }));
      timer.lap("ledger");
      LOG.info("ingest: {} files, {} repeated keys; {}", files.size(), repeated, timer);
      return ledgerRows;
    } finally {
      tables.cancel(false);
      if (quarantineWrite != null) {
        // The bronze MERGE failed: the quarantine write still reads the cached records; let it end first.
        try {
          quarantineWrite.get();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
          LOG.warn("ingest: the quarantine write beside a failed bronze MERGE failed too: {}", e.getCause().toString());
        }
      }
      // Blocking: a removal still in flight when the application stops right after the job is
      // refused by the stopped block manager, with a warning and a stack trace on the console.
      if (keys != null) {
        keys.unpersist(true);
      }
      candidates.unpersist(true);
      release(validated);
    }
  }

  /** Drops the rows of a local checkpoint ({@link Dataset#localCheckpoint}) from memory and disk, and waits. */
  private static void release(Dataset<Row> checkpointed) {
    if (checkpointed.queryExecution().logical() instanceof LogicalRDD rows) {
      rows.rdd().unpersist(true);
    }
  }

  /** Adaptive execution's merging of small shuffle partitions off. */
  private static final Map<String, String> NO_COALESCING = Map.of("spark.sql.adaptive.coalescePartitions.enabled", "false");

  /**
   * A partitioned write from the partitions as they are: no shuffle by partition before a MERGE's
   * write. Each task sorts its records by date and writes one file after the other (Spark's sort
   * spills to disk when it must; a file open per date at once would hold each in memory).
   */
  private static final Map<String, String> STRAIGHT_WRITE =
      Map.of("spark.databricks.delta.merge.repartitionBeforeWrite.enabled", "false");

  /** Runs an action with session settings changed, and restores them after. */
  private <T> T withSettings(Map<String, String> changed, java.util.function.Supplier<T> action) {
    Map<String, String> was = new java.util.HashMap<>();
    changed.forEach((key, value) -> {
      was.put(key, spark.conf().get(key, null));
      spark.conf().set(key, value);
    });
    try {
      return action.get();
    } finally {
      was.forEach((key, value) -> {
        if (value == null) {
          spark.conf().unset(key);
        } else {
          spark.conf().set(key, value);
        }
      });
    }
  }

  /** Waits for work done on the side; its failure is this run's. */
  private static <T> T await(Future<T> work, String what) {
    try {
      return work.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new CdxException("Cannot ingest: interrupted while " + what);
    } catch (ExecutionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : new RuntimeException(e.getCause());
    }
  }

  /** A token naming one write of this run in its commit ({@code userMetadata}), to find the commit again. */
  private static String runToken() {
    return "cdx-ingest-" + java.util.UUID.randomUUID();
  }

  /**
   * The rows the commit carrying {@code token} wrote ({@code numOutputRows}; a commit that wrote no
   * file carries no row count, only {@code numFiles} 0), found among the table's latest commits; -1
   * when it is not among them (many concurrent commits) or gives no count.
   */
  private long writtenRows(String table, String token) {
    List<Row> found =
        lakehouse
            .delta(table)
            .history(HISTORY_LOOKBACK)
            .filter(col("userMetadata").equalTo(token))
            .select(col("operationMetrics").getItem("numOutputRows"), col("operationMetrics").getItem("numFiles"))
            .collectAsList();
    if (found.size() != 1) {
      return -1;
    }
    Row metrics = found.get(0);
    if (!metrics.isNullAt(0)) {
      return Long.parseLong(metrics.getString(0));
    }
    return "0".equals(metrics.getString(1)) ? 0 : -1;
  }

  /** How many of a table's latest commits {@link #writtenRows} looks through. */
  private static final int HISTORY_LOOKBACK = 10;

  /**
   * The files read together: one source and one CSV header each, in mapping order. Empty CSV files
   * (no header, no line) are left out: their ledger rows say 0 lines. A blank CSV header fails.
   */
  private static List<List<LandingReader.LandedFile>> readGroups(
      Map<String, SourceMapping> mappings, List<LandingReader.LandedFile> files) {
    List<List<LandingReader.LandedFile>> groups = new ArrayList<>();
    for (SourceMapping m : mappings.values()) {
      Map<String, List<LandingReader.LandedFile>> byHeader = new LinkedHashMap<>();
      for (LandingReader.LandedFile f : files) {
        if (f.source().equals(m.source())) {
          byHeader.computeIfAbsent(String.valueOf(f.header()), k -> new ArrayList<>()).add(f);
        }
      }
      for (List<LandingReader.LandedFile> group : byHeader.values()) {
        if (m.csv() && group.get(0).header() == null) {
          continue;
        }
        if (m.csv() && group.get(0).header().isBlank()) {
          throw new CdxException(
              "Cannot ingest "
                  + group.stream().map(LandingReader.LandedFile::file).collect(Collectors.joining(", "))
                  + ": the first line of a CSV file of source " + m.source()
                  + " must be its header and is blank; fix or remove the file in the landing zone, then rerun");
        }
        groups.add(group);
      }
    }
    return groups;
  }

  /** The lines of the files that hold conflicting duplicates (their raw text is not kept); null when none. */
  private Dataset<Row> conflictLines(
      Map<String, SourceMapping> mappings, List<LandingReader.LandedFile> files, List<Row> counted) {
    Set<String> withConflicts = new HashSet<>();
    for (Row r : counted) {
      if (IngestTransforms.CONFLICTING_DUPLICATE.equals(r.getAs("reason"))) {
        withConflicts.add(r.getAs("source_file"));
      }
    }
    if (withConflicts.isEmpty()) {
      return null;
    }
    List<LandingReader.LandedFile> some = files.stream().filter(f -> withConflicts.contains(f.file())).toList();
    Dataset<Row> lines = null;
    for (List<LandingReader.LandedFile> group : readGroups(mappings, some)) {
      Dataset<Row> l =
          LandingReader.lines(
              spark, config.landing(), group, mappings.get(group.get(0).source()).csv(), settings.maxLineBytes(),
              readTasks());
      lines = lines == null ? l : lines.unionByName(l);
    }
    return lines;
  }

  /** Tasks for reading landed files, in all: two per core. */
  private int readTasks() {
    return 2 * spark.sparkContext().defaultParallelism();
  }

  /** The text size of a landed file, estimated: gzipped JSON or CSV lines expand about eight times. */
  private static double textBytes(LandingReader.LandedFile f) {
    return f.file().endsWith(".gz") ? 8.0 * f.size() : f.size();
  }

  /**
   * Bronze keeps file statistics (min, max, nulls) only for the columns its readers filter on: the
   * key, the event's time and the lineage. Every other column's statistics cost the write a
   * comparison per row and value, and no reader prunes files by them (erasure scans bronze whole).
   * Columns whose values are (nearly) all distinct are written without a Parquet dictionary: each
   * value would be hashed into a dictionary that outgrows its size limit, after which the writer
   * re-encodes the page plainly, so the dictionary costs the write and saves no space (Delta passes
   * a table's properties to the Parquet writer).
   */
  static final Map<String, String> BRONZE_PROPERTIES =
      Map.of(
          "delta.dataSkippingStatsColumns", "source,event_id,event_time,event_date,source_file,line_number",
          "parquet.enable.dictionary#event_id", "false",
          "parquet.enable.dictionary#event_time", "false",
          "parquet.enable.dictionary#line_number", "false",
          "parquet.enable.dictionary#record_hash", "false",
          "parquet.enable.dictionary#text", "false");

  /** Up to this many repeated keys are broadcast to the records instead of shuffling the records. */
  private static final long BROADCAST_KEYS = 250_000;

  /** Seconds per phase, for the log. */
  private static final class Timer {
    private final StringBuilder laps = new StringBuilder();
    private long last = System.nanoTime();

    void lap(String phase) {
      long now = System.nanoTime();
      laps.append(laps.length() == 0 ? "" : ", ")
          .append(phase)
          .append(String.format(Locale.ROOT, " %.1f s", (now - last) / 1e9));
      last = now;
    }

    @Override
    public String toString() {
      return laps.toString();
    }
  }

  /**
   * Re-processes the quarantined records of landing dates {@code from..to} (of {@code only}, or of
   * every configured source) with the current mappings: records that now pass go to bronze (or are
   * counted as duplicates) and leave the quarantine; the rest stay with their new reason. The ledger
   * rows of the files touched are recounted. Safe to rerun, also after an interrupted replay.
   */
  public Map<String, Long> replay(LocalDate from, LocalDate to, List<String> only) {
    Map<String, SourceMapping> mappings = mappings(only);
    if (!lakehouse.exists(QUARANTINE) || !lakehouse.exists(LEDGER)) {
      throw new CdxException(
          "Cannot replay the quarantine: " + QUARANTINE + " does not exist yet; run ingest first");
    }
    spark.conf().set("spark.sql.mapKeyDedupPolicy", "LAST_WIN");
    spark.sparkContext().setJobGroup("ingest-replay", "ingest --replay-quarantine " + from + ".." + to, false);
    Column range =
        col("landing_date").between(Date.valueOf(from), Date.valueOf(to))
            .and(col("source").isin(mappings.keySet().toArray()));
    List<Row> headers =
        lakehouse.read(LEDGER).filter(range).select("source", "source_file", "header").distinct().collectAsList();
    Map<String, String> headerOf = new LinkedHashMap<>();
    for (Row r : headers) {
      headerOf.put(r.getString(1), r.isNullAt(2) ? null : r.getString(2));
    }
    Dataset<Row> quarantined =
        lakehouse.read(QUARANTINE).filter(range).filter(col("reason").notEqual(IngestTransforms.UNREADABLE_FILE));
    List<Row> groups = quarantined.select("source", "source_file").distinct().collectAsList();
    if (groups.isEmpty()) {
      LOG.info("replay {}..{}: nothing quarantined for {}", from, to, mappings.keySet());
      spark.sparkContext().clearJobGroup();
      return Map.of();
    }
    Map<String, List<String>> filesByKey = new LinkedHashMap<>();
    for (Row g : groups) {
      String source = g.getString(0);
      String header = headerOf.get(g.getString(1));
      filesByKey.computeIfAbsent(source + "\u0000" + header, k -> new ArrayList<>()).add(g.getString(1));
    }
    Dataset<Row> validated = null;
    for (Map.Entry<String, List<String>> e : filesByKey.entrySet()) {
      String[] key = e.getKey().split("\u0000", -1);
      SourceMapping m = mappings.get(key[0]);
      String header = key[1].equals("null") ? null : key[1];
      Dataset<Row> lines =
          quarantined
              .filter(col("source_file").isin(e.getValue().toArray()))
              .select(
                  col("source"),
                  col("source_file"),
                  col("landing_date"),
                  col("line_number"),
                  col("raw").as("value"),
                  col("raw_truncated").as("oversized_line"),
                  lit(null).cast(DataTypes.StringType).as("read_error"));
      Dataset<Row> v = IngestTransforms.canonicalise(IngestTransforms.parse(lines, m, header), m, limits());
      validated = validated == null ? v : validated.unionByName(v);
    }
    Dataset<Row> existing =
        lakehouse
            .read(BRONZE)
            .filter(col("source").isin(mappings.keySet().toArray()))
            .select("source", "event_id", "record_hash", "source_file", "line_number");
    Dataset<Row> outcomes = IngestTransforms.dedup(validated, existing).persist(StorageLevel.MEMORY_AND_DISK());
    Map<String, Long> summary = new LinkedHashMap<>();
    try {
      for (Row r : outcomes.groupBy("outcome").count().collectAsList()) {
        summary.put(r.getString(0), r.getLong(1));
      }
      String run = "replay:" + to;
      int attempts = settings.commitAttempts();
      Dataset<Row> bronze = IngestTransforms.bronze(outcomes, run);
      spark.sparkContext().setJobDescription("replay: append to bronze.interactions");
      Commits.retrying(
          "merge " + BRONZE,
          attempts,
          () ->
              lakehouse
                  .delta(BRONZE)
                  .as("t")
                  .merge(bronze.as("s"), "t.source = s.source AND t.event_id = s.event_id")
                  .whenNotMatched()
                  .insertAll()
                  .execute());

      spark.sparkContext().setJobDescription("replay: update bronze.quarantine");
      Dataset<Row> decided =
          outcomes.select(
              col("source_file").as("s_file"),
              col("line_number").as("s_line"),
              col("landing_date").as("s_date"),
              col("outcome").as("s_outcome"),
              col("reason").as("s_reason"),
              col("detail").as("s_detail"),
              col("event_id").as("s_event_id"));
      Commits.retrying(
          "update " + QUARANTINE,
          attempts,
          () ->
              lakehouse
                  .delta(QUARANTINE)
                  .as("t")
                  .merge(
                      decided.as("s"),
                      "t.landing_date = s.s_date AND t.source_file = s.s_file AND t.line_number = s.s_line")
                  .whenMatched("s.s_outcome <> 'quarantined'")
                  .delete()
                  .whenMatched("NOT (t.reason <=> s.s_reason) OR NOT (t.detail <=> s.s_detail)")
                  .updateExpr(Map.of("reason", "s.s_reason", "detail", "s.s_detail", "event_id", "s.s_event_id", "ingest_run", "'" + run + "'"))
                  .execute());

      spark.sparkContext().setJobDescription("replay: recount bronze.ingest_ledger");
      List<String> touched = groups.stream().map(g -> g.getString(1)).collect(Collectors.toList());
      Dataset<Row> b =
          lakehouse.read(BRONZE).filter(col("source_file").isin(touched.toArray()))
              .groupBy("source_file").agg(count(lit(1)).as("n"));
      Dataset<Row> q =
          lakehouse.read(QUARANTINE).filter(col("source_file").isin(touched.toArray()))
              .groupBy(col("source_file"), col("reason")).agg(count(lit(1)).as("n"));
      Dataset<Row> qTotals = q.groupBy("source_file").agg(org.apache.spark.sql.functions.sum("n").as("n"));
      Dataset<Row> qReasons =
          q.groupBy("source_file").agg(org.apache.spark.sql.functions.expr("map_from_entries(array_sort(collect_list(struct(reason, n))))").as("reasons"));
      Dataset<Row> recount =
          lakehouse.read(LEDGER).filter(col("source_file").isin(touched.toArray()))
              .select("landing_date", "source_file", "lines_read", "duplicates")
              .join(b.withColumnRenamed("n", "b"), new String[] {"source_file"}, "left_outer")
              .join(qTotals.withColumnRenamed("n", "q"), new String[] {"source_file"}, "left_outer")
              .join(qReasons, new String[] {"source_file"}, "left_outer")
              .selectExpr(
                  "landing_date",
                  "source_file",
                  "coalesce(b, 0) AS bronze_rows",
                  "coalesce(q, 0) AS quarantined",
                  "lines_read - coalesce(b, 0) - coalesce(q, 0) AS new_duplicates",
                  "lines_read - coalesce(b, 0) - coalesce(q, 0) >= duplicates AS balanced",
                  "CASE WHEN lines_read > 0 THEN coalesce(q, 0) / lines_read ELSE 0.0 END AS share",
                  "coalesce(reasons, cast(map() AS map<string,bigint>)) AS reasons");
      Commits.retrying(
          "recount " + LEDGER,
          attempts,
          () ->
              lakehouse
                  .delta(LEDGER)
                  .as("t")
                  .merge(recount.as("s"), "t.landing_date = s.landing_date AND t.source_file = s.source_file")
                  .whenMatched()
                  .updateExpr(
                      Map.of(
                          "bronze_rows", "s.bronze_rows",
                          "quarantined", "s.quarantined",
                          "duplicates", "s.new_duplicates",
                          "balanced", "s.balanced",
                          "quarantine_share", "s.share",
                          "quarantine_reasons", "s.reasons"))
                  .execute());
    } finally {
      outcomes.unpersist(true);
      spark.sparkContext().clearJobGroup();
    }
    LOG.info("replay {}..{}: {}", from, to, summary);
    return summary;
  }

  // ---------------------------------------------------------------- helpers

  private Map<String, SourceMapping> mappings(List<String> only) {
    List<String> chosen = only != null && !only.isEmpty() ? only : settings.sources();
    return SourceMappings.load(config.confDir(), chosen);
  }

  private IngestTransforms.Limits limits() {
    return new IngestTransforms.Limits(settings.maxTextLength(), settings.maxFutureHours(), settings.minEventTime());
  }

  static List<LocalDate> dates(LocalDate from, LocalDate to) {
    if (from.isAfter(to)) {
      throw CdxException.usage("Cannot ingest: --from-date " + from + " is after --run-date " + to);
    }
    List<LocalDate> out = new ArrayList<>();
    for (LocalDate d = from; !d.isAfter(to); d = d.plusDays(1)) {
      out.add(d);
    }
    return out;
  }

  /** The run id of a landing date: the same on every rerun, so reruns give identical rows. */
  public static String runId(LocalDate date) {
    return "ingest:" + date;
  }

  private static Column runColumn() {
    return org.apache.spark.sql.functions.concat(lit("ingest:"), col("landing_date").cast("string"));
  }

  private static String slicePredicate(List<LandingReader.LandedFile> files, String prefix) {
    Map<LocalDate, java.util.TreeSet<String>> byDate = new java.util.TreeMap<>();
    for (LandingReader.LandedFile f : files) {
      byDate.computeIfAbsent(f.landingDate(), d -> new java.util.TreeSet<>()).add(f.source());
    }
    return byDate.entrySet().stream()
        .map(
            e ->
                "("
                    + prefix
                    + "landing_date = DATE'"
                    + e.getKey()
                    + "' AND "
                    + prefix
                    + "source IN ("
                    + e.getValue().stream().map(s -> "'" + s + "'").collect(Collectors.joining(", "))
                    + "))")
        .collect(Collectors.joining(" OR "));
  }

  private void write(Dataset<Row> data, String table, String predicate) {
    write(data, table, predicate, null);
  }

  private void write(Dataset<Row> data, String table, String predicate, String token) {
    var writer = data.write().format("delta").mode("overwrite").option("replaceWhere", predicate);
    if (token != null) {
      writer = writer.option("userMetadata", token);
    }
    writer.save(lakehouse.path(table));
  }

  /** Rows per source file ({@code source_file → n}) that a table holds in the slices of {@code predicate}. */
  private Map<String, Long> counts(String table, String predicate) {
    Map<String, Long> out = new java.util.HashMap<>();
    for (Row r : lakehouse.read(table).filter(predicate).groupBy("source_file").agg(count(lit(1)).as("n")).collectAsList()) {
      out.put(r.getString(0), r.getLong(1));
    }
    return out;
  }

  /** Fails when a ledger row of this run is unbalanced or a source's quarantine share too high. */
  private List<SliceReport> check(List<Row> rows) {
    Map<String, long[]> bySlice = new LinkedHashMap<>();
    Map<String, Map<String, Long>> reasons = new LinkedHashMap<>();
    List<String> unbalanced = new ArrayList<>();
    for (Row r : rows) {
      String key = r.getAs("landing_date").toString() + "|" + r.getAs("source");
      long[] t = bySlice.computeIfAbsent(key, k -> new long[5]);
      t[0]++;
      t[1] += r.<Long>getAs("lines_read");
      t[2] += r.<Long>getAs("bronze_rows");
      t[3] += r.<Long>getAs("quarantined");
      t[4] += r.<Long>getAs("duplicates");
      scala.collection.Map<String, Long> m = r.getAs("quarantine_reasons");
      Map<String, Long> acc = reasons.computeIfAbsent(key, k -> new java.util.TreeMap<>());
      scala.jdk.javaapi.CollectionConverters.asJava(m).forEach((k, v) -> acc.merge(k, v, Long::sum));
      if (!r.<Boolean>getAs("balanced")) {
        unbalanced.add(
            r.getAs("source_file")
                + " (read "
                + r.getAs("lines_read")
                + ", bronze "
                + r.getAs("bronze_rows")
                + ", quarantined "
                + r.getAs("quarantined")
                + ", duplicates "
                + r.getAs("duplicates")
                + ")");
      }
    }
    List<SliceReport> report = new ArrayList<>();
    List<String> tooMany = new ArrayList<>();
    for (Map.Entry<String, long[]> e : bySlice.entrySet()) {
      String[] k = e.getKey().split("\\|");
      long[] t = e.getValue();
      report.add(new SliceReport(LocalDate.parse(k[0]), k[1], (int) t[0], t[1], t[2], t[3], t[4]));
      LOG.info(
          "ingest {} {}: {} files, {} lines = {} bronze + {} quarantined + {} duplicates",
          k[0], k[1], t[0], t[1], t[2], t[3], t[4]);
      double share = t[1] == 0 ? 0 : (double) t[3] / t[1];
      if (t[1] >= settings.quarantineShareMinLines() && share > settings.maxQuarantineShare()) {
        tooMany.add(
            String.format(
                Locale.ROOT,
                "%s on %s quarantined %d of %d lines (%.1f%%; %s)",
                k[1], k[0], t[3], t[1], 100 * share, reasons.get(e.getKey())));
      }
    }
    if (!unbalanced.isEmpty()) {
      throw new CdxException(
          "Cannot complete ingest: the ledger does not balance for "
              + String.join("; ", unbalanced)
              + "; records may have been lost, rerun the same --run-date and report a bug if it persists");
    }
    if (!tooMany.isEmpty()) {
      throw new CdxException(
          "Cannot accept ingest: "
              + String.join("; ", tooMany)
              + String.format(Locale.ROOT, ", over ingest.max-quarantine-share %.2f", settings.maxQuarantineShare())
              + "; inspect bronze.quarantine, fix the source or its mapping in conf/sources/, then rerun or use --replay-quarantine");
    }
    return report;
  }
}
