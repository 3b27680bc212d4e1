package org.customerdynamics.bench;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.DayOfWeek;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.TextStyle;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.Stream;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.delta.DeltaLog;
import org.apache.spark.storage.StorageLevel;
import org.customerdynamics.bench.BenchReport.Goal;
import org.customerdynamics.bench.BenchReport.Row;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.SparkSessions;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.common.config.ConfigLoader;
import org.customerdynamics.demo.DemoCommand;
import org.customerdynamics.demo.DemoSteps;
import org.customerdynamics.generate.Generator;
import org.customerdynamics.generate.GeneratorOptions;
import org.customerdynamics.identity.ConnectedComponents;
import org.customerdynamics.identity.GraphXOracle;
import org.customerdynamics.identity.IdentityJob;
import org.customerdynamics.ingest.IngestJob;
import org.customerdynamics.maintain.MaintainJob;
import org.customerdynamics.refine.RefineJob;
import org.customerdynamics.social.PageRank;
import org.customerdynamics.social.SocialConfig;

/**
 * {@code bin/bench}: generates data at each requested scale (fixed seed) and measures, in one JVM and
 * one Spark session, side by side with their peers: ingest vs a bare {@code read.json → delta} of the
 * same files; the daily pipeline, cdx_daily's jobs (ingest, refine, identity day by day, then
 * journeys, social, features, score, report for the last day; and as one backfill), vs one bare
 * read+write of every landed file, with the weekly maintenance and training beside it; day N's daily run
 * vs day 1's; our connected components and PageRank vs GraphX's on the same random graph; peak heap
 * and spilled bytes. Each figure stands beside the goal of issue 10, reported as met or not met;
 * nothing is asserted. Writes the results section of {@code <out>/benchmarks.md} and {@code
 * <out>/benchmarks.csv}.
 *
 * <p>Usage: {@code Benchmarks [--scales 100000,1000000] [--days 30] [--out docs] [--work DIR]
 * [--seed 7] [--graph-edges 0] [--pagerank-iterations 10] [--keep-data] [--only ingest|daily|backfill|graphs] [--repeat 1]}
 * ({@code --only ingest}: only the generated-events and ingest-throughput rows; {@code --only daily}:
 * only the daily runs (with the weekly maintenance), day N against day 1 and the steps' times;
 * {@code --only backfill}: the bare write, the ingest, and the daily pipeline as one backfill only,
 * its run-date jobs run on the backfill's lakehouse, then the graphs (no daily runs, no maintenance);
 * {@code --only graphs}: only components and PageRank against GraphX, on a random graph of {@code
 * --graph-edges} edges; {@code --repeat N}: the bare write and the ingest are timed N times, in turn,
 * and the ingest row gives the medians and each pair, since one machine's speed drifts between runs)
 */
public final class Benchmarks {
  static final List<String> JSON_SOURCES = List.of("app", "email", "iot", "social", "web");
  static final List<String> CSV_SOURCES = List.of("callcenter", "crm", "pos");
  static final LocalDate START = LocalDate.of(2026, 1, 1);
  /** The cdx_maintenance DAG's schedule: Saturdays 08:00 UTC, after the daily run of Friday's date. */
  static final DayOfWeek MAINTENANCE_AFTER = DayOfWeek.FRIDAY;
  static final String MAINTAIN = "maintain";
  static final Goal INGEST_GOAL = new Goal(true, 0.5, null);
  static final Goal AMPLIFICATION_GOAL = new Goal(false, 10, null);
  static final Goal INCREMENTAL_GOAL = new Goal(false, 1.3, null);
  static final Goal COMPONENTS_GOAL = new Goal(true, 2, null);
  static final Goal COMPLETES = new Goal(true, 1, "runs to the end");

  private Benchmarks() {}

  record Options(
      List<Long> scales, int days, Path out, Path work, long seed, long graphEdges,
      int pagerankIterations, boolean keepData, String only, int repeat) {
    static Options parse(String[] args) {
      List<Long> scales = List.of(100_000L, 1_000_000L);
      int days = 30;
      Path out = Path.of("docs");
      Path work = Path.of(System.getProperty("java.io.tmpdir"), "cdx-bench");
      long seed = 7;
      long graphEdges = 0;
      int iterations = 10;
      boolean keep = false;
      String only = null;
      int repeat = 1;
      for (int i = 0; i < args.length; i++) {
        String a = args[i];
        if (a.equals("--keep-data")) {
          keep = true;
          continue;
        }
        if (i + 1 >= args.length) {
          throw new IllegalArgumentException("Cannot parse arguments: " + a + " needs a value");
        }
        String v = args[++i];
        switch (a) {
          case "--scales" -> scales = Stream.of(v.split(",")).map(s -> Long.parseLong(s.trim().replace("_", ""))).toList();
          case "--days" -> days = Integer.parseInt(v);
          case "--out" -> out = Path.of(v);
          case "--work" -> work = Path.of(v);
          case "--seed" -> seed = Long.parseLong(v);
          case "--graph-edges" -> graphEdges = Long.parseLong(v);
          case "--pagerank-iterations" -> iterations = Integer.parseInt(v);
          case "--repeat" -> repeat = Integer.parseInt(v);
          case "--only" -> {
            if (!List.of("ingest", "daily", "backfill", "graphs").contains(v)) {
              throw new IllegalArgumentException(
                  "Cannot parse arguments: --only takes 'ingest', 'daily', 'backfill' or 'graphs', not '" + v + "'");
            }
            only = v;
          }
          default -> throw new IllegalArgumentException(
              "Cannot parse arguments: unknown option " + a
                  + "; known: --scales --days --out --work --seed --graph-edges --pagerank-iterations --keep-data --only --repeat");
        }
      }
      if ("graphs".equals(only) && graphEdges < 1) {
        throw new IllegalArgumentException("Cannot run --only graphs: it needs --graph-edges (the edges of the random graph)");
      }
      if (days < 1 || scales.isEmpty() || scales.stream().anyMatch(s -> s < 1) || iterations < 1 || repeat < 1) {
        throw new IllegalArgumentException("Cannot run: --days, --scales, --pagerank-iterations and --repeat must be ≥ 1");
      }
      return new Options(
          scales, days, out.toAbsolutePath(), work.toAbsolutePath(), seed, graphEdges, iterations, keep, only, repeat);
    }
  }

  /** Sums the bytes spilled by finished tasks (memory and disk), read between measures. */
  static final class SpillListener extends SparkListener {
    final AtomicLong memory = new AtomicLong();
    final AtomicLong disk = new AtomicLong();

    @Override
    public void onTaskEnd(SparkListenerTaskEnd end) {
      if (end.taskMetrics() != null) {
        memory.addAndGet(end.taskMetrics().memoryBytesSpilled());
        disk.addAndGet(end.taskMetrics().diskBytesSpilled());
      }
    }
  }

  public static void main(String[] args) throws Exception {
    Options o = Options.parse(args);
    String conf = System.getenv().getOrDefault("CDX_CONF_DIR", "conf");
    String loadStart = loadAverage();
    ZonedDateTime started = ZonedDateTime.now(ZoneOffset.UTC);
    delete(o.work());
    Files.createDirectories(o.work());

    double rate = "graphs".equals(o.only()) ? Double.NaN : eventsPerPersonDay(o);
    System.out.printf(Locale.ROOT, "bench: the generator makes %.3f events per person and day over %d days%n", rate, o.days());

    CdxConfig base = config(conf, o, o.work().resolve("session"), o.work().resolve("none"));
    SparkSession spark = SparkSessions.build(base, "cdx benchmark");
    spark.sparkContext().setLogLevel("WARN");
    SpillListener spill = new SpillListener();
    spark.sparkContext().addSparkListener(spill);
    String sparkVersion = spark.version();
    List<Row> rows = new ArrayList<>();
    List<String> failures = new ArrayList<>();
    try {
      for (long scale : o.scales()) {
        try {
          rows.addAll(scale(spark, conf, o, scale, rate, spill, failures));
        } catch (Exception e) {
          // Also Spark's AnalysisException (checked): the scale is reported as failed, the next one runs.
          e.printStackTrace();
          failures.add(scale + ": " + e);
          rows.add(new Row(scale, "whole benchmark", Double.NaN, "", Double.NaN, 0, COMPLETES,
              "failed: " + firstLine(e)));
        } finally {
          if (!o.keepData()) {
            delete(o.work().resolve("scale-" + scale));
          }
        }
      }
    } finally {
      spark.stop();
    }
    String loadEnd = loadAverage();
    if (!o.keepData()) {
      delete(o.work());
    }

    Map<String, String> machine = new LinkedHashMap<>();
    machine.put("date (UTC)", started.format(DateTimeFormatter.ISO_LOCAL_DATE_TIME).substring(0, 19)
        + " .. " + ZonedDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ISO_LOCAL_TIME).substring(0, 8));
    machine.put("command", "`" + System.getProperty("bench.command", "Benchmarks " + String.join(" ", args)) + "`");
    machine.put("git commit", System.getProperty("bench.commit", "unknown"));
    machine.put("cores", Integer.toString(Runtime.getRuntime().availableProcessors()));
    machine.put("memory", memTotal());
    machine.put("driver heap (-Xmx)", Runtime.getRuntime().maxMemory() / (1 << 20) + " MiB");
    machine.put("OS", osName());
    machine.put("load average (1, 5, 15 min) at start", loadStart);
    machine.put("load average (1, 5, 15 min) at end", loadEnd);
    machine.put("Java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
    machine.put("Spark", sparkVersion + " (" + base.spark().master() + ", " + base.spark().shufflePartitions() + " shuffle partitions)");
    machine.put("Delta", deltaVersion());
    machine.put("generator", Double.isNaN(rate)
        ? String.format(Locale.ROOT, "none (random graphs only, seed %d)", o.seed())
        : String.format(Locale.ROOT, "seed %d, %d days from %s, %.3f events per person and day (measured)",
            o.seed(), o.days(), START, rate));
    write(o, rows, machine);
    System.out.print(BenchReport.table(rows));
    if (!failures.isEmpty()) {
      System.err.println("bench: failed at " + String.join("; ", failures));
      System.exit(1);
    }
  }

  /** The median of some timings. */
  static double median(double[] runs) {
    double[] sorted = runs.clone();
    java.util.Arrays.sort(sorted);
    int m = sorted.length / 2;
    return sorted.length % 2 == 1 ? sorted[m] : (sorted[m - 1] + sorted[m]) / 2;
  }

  /** The timed pairs of a repeated measure, for its note: medians of N runs, then each run's ratio. */
  static String pairs(double[] bare, double[] ours) {
    return timings(bare, ours, "bare/ingest");
  }

  /** Timed pairs {@code first[i]/second[i]} and their ratios, for a repeated measure's note. */
  static String timings(double[] first, double[] second, String label) {
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, " (medians of %d runs in turn; %s s:", first.length, label));
    for (int i = 0; i < first.length; i++) {
      b.append(String.format(Locale.ROOT, " %.1f/%.1f = %.2f×", first[i], second[i], first[i] / second[i]));
      b.append(i + 1 < first.length ? "," : ")");
    }
    return b.toString();
  }

  /** Every measure of one scale, in report order. */
  static List<Row> scale(
      SparkSession spark, String conf, Options o, long scale, double rate, SpillListener spill, List<String> failures) {
    List<Row> rows = new ArrayList<>();
    Path dir = o.work().resolve("scale-" + scale);
    delete(dir);
    resetPeakHeap();
    spill.memory.set(0);
    spill.disk.set(0);
    if ("graphs".equals(o.only())) {
      rows.addAll(graphs(spark, config(conf, o, dir.resolve("lakehouse"), dir.resolve("data")), o, scale, o.graphEdges(), "--graph-edges"));
      rows.addAll(memory(spark, scale, spill));
      return rows;
    }
    int persons = BenchReport.personsFor(scale, rate, o.days());
    LocalDate last = START.plusDays(o.days() - 1);

    long t = System.nanoTime();
    GeneratorOptions gen = generatorOptions(o, persons, dir.resolve("data"));
    Generator.Summary g = new Generator(gen).run();
    double genSeconds = seconds(t);
    String landing = gen.landing().toString();
    say(scale, "generated %,d events (%,d lines) for %,d persons in %.1f s", g.events(), g.lines(), persons, genSeconds);
    rows.add(Row.info(scale, "generated events", g.events(), "events",
        String.format(Locale.ROOT, "%,d persons × %d days, %,d lines landed, generated in %.1f s", persons, o.days(), g.lines(), genSeconds)));

    // Warm-up on day 1 in a throwaway lakehouse (JIT, class loading), billed to no measure.
    bareJson(spark, landing, START.toString(), dir.resolve("warmup-bare").toString());
    if ("ingest".equals(o.only())) {
      CdxConfig warmup = config(conf, o, dir.resolve("warmup"), gen.landing());
      new Lakehouse(spark, warmup).ensureDatabases();
      new IngestJob(spark, warmup).run(START, START, JSON_SOURCES);
    } else {
      daily(spark, config(conf, o, dir.resolve("warmup"), gen.landing()), START);
    }
    delete(dir.resolve("warmup"));
    delete(dir.resolve("warmup-bare"));
    say(scale, "warmed up on day 1");

    boolean dailyOnly = "daily".equals(o.only());
    // Bare baseline: one read and one Delta write of every landed file; and the ingest of the same
    // JSON-lines files, one run over all days, into its own lakehouse. Timed in turn, --repeat times.
    int repeat = dailyOnly ? 0 : o.repeat();
    double[] bareRuns = new double[repeat];
    double[] ingestRuns = new double[repeat];
    long jsonRows = 0;
    long jsonLines = 0;
    for (int i = 0; i < repeat; i++) {
      delete(dir.resolve("bare-json"));
      t = System.nanoTime();
      jsonRows = bareJson(spark, landing, "*", dir.resolve("bare-json").toString());
      bareRuns[i] = seconds(t);
      CdxConfig ingestOnly = config(conf, o, dir.resolve("ingest-json"), gen.landing());
      new Lakehouse(spark, ingestOnly).ensureDatabases();
      t = System.nanoTime();
      jsonLines = lines(new IngestJob(spark, ingestOnly).run(START, last, JSON_SOURCES));
      ingestRuns[i] = seconds(t);
      delete(dir.resolve("ingest-json"));
      say(scale, "run %d/%d: bare %,d JSON rows in %.1f s, ingest %,d lines in %.1f s", i + 1, repeat, jsonRows, bareRuns[i], jsonLines, ingestRuns[i]);
    }
    double bareJsonSeconds = dailyOnly ? Double.NaN : median(bareRuns);
    double ingestSeconds = dailyOnly ? Double.NaN : median(ingestRuns);
    t = System.nanoTime();
    long csvRows = 0;
    for (String source : dailyOnly ? List.<String>of() : CSV_SOURCES) {
      csvRows += bareCsv(spark, landing, source, dir.resolve("bare-" + source).toString());
    }
    double bareCsvSeconds = seconds(t);
    double bareSeconds = bareJsonSeconds + bareCsvSeconds;
    if (!dailyOnly) {
      say(scale, "bare read+write: %,d JSON rows in %.1f s, %,d CSV rows in %.1f s", jsonRows, bareJsonSeconds, csvRows, bareCsvSeconds);
    }

    double ingestRate = jsonLines / ingestSeconds;
    double bareRate = jsonRows / bareJsonSeconds;
    if (!dailyOnly) {
      rows.add(new Row(scale, "ingest throughput, JSON sources (one run, all days) vs bare read.json → delta", ingestRate, "events/s",
        bareRate, ingestRate / bareRate, INGEST_GOAL,
        String.format(Locale.ROOT, "%,d lines in %.1f s; bare %,d rows in %.1f s%s", jsonLines, ingestSeconds, jsonRows, bareJsonSeconds,
            repeat == 1 ? "" : pairs(bareRuns, ingestRuns))));
      say(scale, "ingest JSON sources: %,d lines in %.1f s", jsonLines, ingestSeconds);
    }
    if ("ingest".equals(o.only())) {
      return rows;
    }

    // The whole pipeline: daily jobs day by day, then the run-date jobs once, as DemoSteps orders them.
    // With --only backfill: the daily jobs once over all days, then the run-date jobs on that lakehouse.
    boolean backfillOnly = "backfill".equals(o.only());
    CdxConfig pipeline = config(conf, o, dir.resolve(backfillOnly ? "backfill" : "lakehouse"), gen.landing());
    new Lakehouse(spark, pipeline).ensureDatabases();
    Map<String, Double> stepSeconds = new LinkedHashMap<>();
    List<String> failedSteps = new ArrayList<>();
    double[] dailySeconds = new double[o.days()];
    long[] dailyLines = new long[o.days()];
    double[] backfilled = null;
    if (backfillOnly) {
      try {
        backfilled = backfill(spark, pipeline, START, last);
      } catch (Exception e) {
        // The run-date jobs have no lakehouse to run on: the scale ends here, reported.
        backfillFailed(rows, failures, scale, bareSeconds, e);
        return rows;
      }
    }
    for (int d = 0; d < (backfillOnly ? 0 : o.days()); d++) {
      LocalDate date = START.plusDays(d);
      double[] s = new double[3];
      dailyLines[d] = daily(spark, pipeline, date, s);
      for (int i = 0; i < s.length; i++) {
        stepSeconds.merge(DemoSteps.DAILY.get(i), s[i], Double::sum);
        dailySeconds[d] += s[i];
      }
      say(scale, "day %d (%s): %,d lines, ingest %.1f s, refine %.1f s, identity %.1f s", d + 1, date, dailyLines[d], s[0], s[1], s[2]);
      if (date.getDayOfWeek() == MAINTENANCE_AFTER && failedSteps.isEmpty()) {
        try {
          double m = maintain(spark, pipeline, date.plusDays(1));
          stepSeconds.merge(MAINTAIN, m, Double::sum);
          say(scale, "maintain (OPTIMIZE, VACUUM) on %s in %.1f s", date.plusDays(1), m);
        } catch (Exception e) {
          // Reported like a failed run-date step: the days after it run on unmaintained tables.
          failedSteps.add(MAINTAIN + ": " + firstLine(e));
          say(scale, "maintain FAILED: %s", firstLine(e));
        }
      }
    }
    // No ground truth, as production runs the steps (cdx_daily passes none): social's and the
    // training's scores against it are left out, as identity's quality step is in the daily runs.
    DemoCommand.DemoContext context = new DemoCommand.DemoContext(START, last, null);
    double runDateSeconds = 0;
    for (DemoSteps.Named step : dailyOnly ? List.<DemoSteps.Named>of() : DemoSteps.all()) {
      if (DemoSteps.DAILY.contains(step.name()) || step.name().equals("publish") || step.step() == null) {
        continue;
      }
      t = System.nanoTime();
      spark.sparkContext().setJobGroup("bench " + step.name(), "bench step " + step.name(), false);
      try {
        step.step().run(spark, pipeline, context);
      } catch (Exception e) {
        // Reported, and the scale goes on to its other measures; the pipeline's time is then incomplete.
        failedSteps.add(step.name() + ": " + firstLine(e));
        say(scale, "%s FAILED: %s", step.name(), firstLine(e));
      } finally {
        spark.sparkContext().clearJobGroup();
      }
      stepSeconds.put(step.name(), seconds(t));
      runDateSeconds += stepSeconds.get(step.name());
      say(scale, "%s (%s) in %.1f s", step.name(), last, stepSeconds.get(step.name()));
    }
    // The daily pipeline is cdx_daily's jobs: the weekly training and the weekly maintenance are
    // measured beside it (their steps' rows) and added in the notes.
    double trainingSeconds = DemoSteps.WEEKLY_TRAINING.stream().mapToDouble(s -> stepSeconds.getOrDefault(s, 0.0)).sum();
    double maintainSeconds = stepSeconds.getOrDefault(MAINTAIN, 0.0);
    double runDateDaily = runDateSeconds - trainingSeconds;
    double pipelineSeconds =
        backfillOnly ? Double.NaN : DemoSteps.DAILY.stream().mapToDouble(stepSeconds::get).sum() + runDateDaily;
    String incomplete = failedSteps.isEmpty() ? "" : "incomplete, failed: " + String.join("; ", failedSteps) + "; ";
    long landedLines = java.util.Arrays.stream(dailyLines).sum();
    if (!dailyOnly && !backfillOnly) {
      String bare = String.format(Locale.ROOT, "bare: read.json %.1f s + read.csv %.1f s, %,d rows",
          bareJsonSeconds, bareCsvSeconds, jsonRows + csvRows);
      rows.add(new Row(scale, "daily pipeline (cdx_daily's jobs), day by day, vs one bare read+write of all landed files (amplification)",
        pipelineSeconds, "s", bareSeconds, failedSteps.isEmpty() ? pipelineSeconds / bareSeconds : Double.NaN, AMPLIFICATION_GOAL,
        incomplete + String.format(Locale.ROOT,
            "%d daily runs of ingest, refine, identity + journeys, social, features, score, report once for the last day, %.1f s;"
                + " with the weekly maintenance (%.1f s) and training (%.1f s): %.1f s, %.1f×; %s",
            o.days(), runDateDaily, maintainSeconds, trainingSeconds, pipelineSeconds + maintainSeconds + trainingSeconds,
            (pipelineSeconds + maintainSeconds + trainingSeconds) / bareSeconds, bare)));
    }
    if (!dailyOnly) {
      // The same events in one pass, as the bare write takes them: each daily job once over all the
      // days (a backfill), into a lakehouse of its own, then the run-date jobs' times from above
      // (with --only backfill, done above, and the run-date jobs ran on its lakehouse).
      try {
        double[] b = backfillOnly ? backfilled : backfill(spark, config(conf, o, dir.resolve("backfill"), gen.landing()), START, last);
        double backfillSeconds = b[0] + b[1] + b[2] + runDateDaily;
        say(scale, "backfill %s..%s: ingest %.1f s, refine %.1f s, identity %.1f s", START, last, b[0], b[1], b[2]);
        rows.add(new Row(scale, BACKFILL_MEASURE, backfillSeconds, "s",
          bareSeconds, failedSteps.isEmpty() ? backfillSeconds / bareSeconds : Double.NaN, AMPLIFICATION_GOAL,
          incomplete + String.format(Locale.ROOT,
              "ingest %.1f s + refine %.1f s + identity %.1f s, each once over the %d days; + journeys, social, features,"
                  + " score, report above, %.1f s; with the weekly training (%.1f s): %.1f s, %.1f×",
              b[0], b[1], b[2], o.days(), runDateDaily, trainingSeconds, backfillSeconds + trainingSeconds,
              (backfillSeconds + trainingSeconds) / bareSeconds)));
      } catch (Exception e) {
        // Reported in its row; the scale goes on to its other measures.
        backfillFailed(rows, failures, scale, bareSeconds, e);
      } finally {
        if (!backfillOnly) {
          delete(dir.resolve("backfill"));
        }
      }
    }
    if (backfillOnly) {
      addStepRows(rows, scale, stepSeconds, failedSteps);
      return graphsAndEnd(spark, pipeline, o, scale, spill, failedSteps, failures, rows);
    }
    double dailyIngest = stepSeconds.get("ingest");
    rows.add(Row.info(scale, "ingest throughput, all 8 sources (daily runs)", landedLines / dailyIngest, "events/s",
        String.format(Locale.ROOT, "%,d lines in %d runs, %.1f s", landedLines, o.days(), dailyIngest)));
    int n = o.days() - 1;
    rows.add(new Row(scale, "daily run (ingest+refine+identity): day " + o.days() + " vs day 1", dailySeconds[n], "s",
        dailySeconds[0], dailySeconds[n] / dailySeconds[0], INCREMENTAL_GOAL,
        String.format(Locale.ROOT, "lines landed: day 1 %,d, day %d %,d", dailyLines[0], o.days(), dailyLines[n])));
    if (n > 1) {
      // Day 1 is a first run (nothing to merge into, no history to link against); day 2 is the first
      // run that does what every later one does. Beside the goal's row, no goal of its own: whether
      // the daily cost grows with the history.
      rows.add(new Row(scale, "daily run (ingest+refine+identity): day " + o.days() + " vs day 2", dailySeconds[n], "s",
          dailySeconds[1], dailySeconds[n] / dailySeconds[1], null,
          String.format(Locale.ROOT, "lines landed: day 2 %,d, day %d %,d", dailyLines[1], o.days(), dailyLines[n])));
    }
    addStepRows(rows, scale, stepSeconds, failedSteps);
    if (dailyOnly) {
      return rows;
    }
    return graphsAndEnd(spark, pipeline, o, scale, spill, failedSteps, failures, rows);
  }

  private static final String BACKFILL_MEASURE =
      "daily pipeline (cdx_daily's jobs) as one backfill vs one bare read+write (amplification)";

  /** The backfill's row when it failed, and the failure. */
  private static void backfillFailed(List<Row> rows, List<String> failures, long scale, double bareSeconds, Exception e) {
    failures.add(scale + ": backfill: " + firstLine(e));
    rows.add(new Row(scale, BACKFILL_MEASURE, Double.NaN, "s", bareSeconds, Double.NaN, AMPLIFICATION_GOAL,
        "failed: " + firstLine(e)));
  }

  /** One row per step: its seconds, when it runs, and its failure if it failed. */
  private static void addStepRows(List<Row> rows, long scale, Map<String, Double> stepSeconds, List<String> failedSteps) {
    for (Map.Entry<String, Double> e : stepSeconds.entrySet()) {
      String when =
          DemoSteps.DAILY.contains(e.getKey()) ? " (all daily runs)"
              : e.getKey().equals(MAINTAIN)
                  ? " (weekly, after each " + MAINTENANCE_AFTER.getDisplayName(TextStyle.FULL, Locale.ROOT) + "'s daily run)"
              : DemoSteps.WEEKLY_TRAINING.contains(e.getKey()) ? " (run date; weekly training)"
              : " (run date)";
      String failed = failedSteps.stream().filter(f -> f.startsWith(e.getKey() + ": ")).findFirst().orElse("");
      rows.add(Row.info(scale, "step " + e.getKey() + when, e.getValue(), "s",
          failed.isEmpty() ? "" : "FAILED after this time: " + failed.substring(e.getKey().length() + 2)));
    }
  }

  /** The graphs on the pipeline's identity edges, the memory rows and the whole benchmark's row. */
  private static List<Row> graphsAndEnd(
      SparkSession spark, CdxConfig pipeline, Options o, long scale, SpillListener spill, List<String> failedSteps,
      List<String> failures, List<Row> rows) {
    long identityEdges = new Lakehouse(spark, pipeline).read(IdentityJob.EDGES).count();
    rows.addAll(graphs(spark, pipeline, o, scale, o.graphEdges() > 0 ? o.graphEdges() : Math.max(identityEdges, 10_000),
        o.graphEdges() > 0 ? "--graph-edges" : "= identity edges " + String.format(Locale.ROOT, "%,d", identityEdges)));
    rows.addAll(memory(spark, scale, spill));
    rows.add(new Row(scale, "whole benchmark", Double.NaN, "", Double.NaN, failedSteps.isEmpty() ? 1 : 0, COMPLETES,
        failedSteps.isEmpty() ? "" : "every measure ran, but pipeline steps failed: " + String.join("; ", failedSteps)));
    if (!failedSteps.isEmpty()) {
      failures.add(scale + ": pipeline steps failed: " + String.join("; ", failedSteps));
    }
    return rows;
  }

  /**
   * Connected components and PageRank, ours beside GraphX's, on a random graph of {@code edges} edges
   * ({@code origin} says where that number came from).
   */
  static List<Row> graphs(SparkSession spark, CdxConfig config, Options o, long scale, long edges, String origin) {
    List<Row> rows = new ArrayList<>();
    Dataset<org.apache.spark.sql.Row> graph = ComponentsBenchmark.randomGraph(spark, edges, edges, o.seed());
    // --only graphs starts from a cold JVM: --repeat times each side in turn and reports the medians.
    int repeat = "graphs".equals(o.only()) ? o.repeat() : 1;
    double[] oursRuns = new double[repeat];
    double[] piecesRuns = new double[repeat];
    double[] roundsRuns = new double[repeat];
    double[] graphxRuns = new double[repeat];
    ComponentsBenchmark.Outcome cc = null;
    long mismatches = 0;
    long piecesMismatches = 0;
    long roundsMismatches = 0;
    for (int i = 0; i < repeat; i++) {
      cc = ComponentsBenchmark.compare(graph, config.identity());
      oursRuns[i] = cc.oursSeconds();
      piecesRuns[i] = cc.piecesSeconds();
      roundsRuns[i] = cc.roundsSeconds();
      graphxRuns[i] = cc.graphxSeconds();
      mismatches += cc.mismatches();
      piecesMismatches += cc.piecesMismatches();
      roundsMismatches += cc.roundsMismatches();
      say(scale, "components run %d/%d: ours %.1f s, in two pieces %.1f s, by rounds %.1f s, GraphX %.1f s;"
              + " %,d, %,d and %,d differ",
          i + 1, repeat, oursRuns[i], piecesRuns[i], roundsRuns[i], graphxRuns[i], cc.mismatches(),
          cc.piecesMismatches(), cc.roundsMismatches());
    }
    double ours = median(oursRuns);
    double inPieces = median(piecesRuns);
    double byRounds = median(roundsRuns);
    double graphx = median(graphxRuns);
    long limit = config.identity().singleTaskMaxEdges();
    rows.add(new Row(scale, "connected components: ours vs GraphX", ours, "s", graphx,
        graphx / ours, COMPONENTS_GOAL,
        String.format(Locale.ROOT, "ratio = GraphX time / ours; ours as identity runs it: %s (identity.single-task-max-edges %,d); %,d edges (%s), %,d vertices, %,d components (GraphX %,d); %,d vertices differ%s",
            ConnectedComponents.takesOneTask(cc.edges(), limit) ? "one task, union-find" : "in pieces, over the one-task limit", limit,
            cc.edges(), origin, cc.oursVertices(), cc.oursComponents(), cc.graphxComponents(), mismatches,
            repeat == 1 ? "" : timings(graphxRuns, oursRuns, "GraphX/ours"))));
    rows.add(new Row(scale, "connected components in two pieces: ours vs GraphX", inPieces, "s", graphx,
        graphx / inPieces, COMPONENTS_GOAL,
        String.format(Locale.ROOT, "ratio = GraphX time / ours; identity.single-task-max-edges %,d (half the graph): two tasks of union-find, then their links, as identity runs a graph of up to twice its limit; %,d vertices differ%s",
            ComponentsBenchmark.twoPieces(cc.edges()), piecesMismatches,
            repeat == 1 ? "" : timings(graphxRuns, piecesRuns, "GraphX/ours"))));
    rows.add(new Row(scale, "connected components by rounds alone: ours vs GraphX", byRounds, "s", graphx,
        graphx / byRounds, COMPONENTS_GOAL,
        String.format(Locale.ROOT, "ratio = GraphX time / ours; large-star/small-star rounds (identity.single-task-max-edges 0), what identity runs with no limit and for what pieces leave when they contract a graph by less than a quarter; %,d vertices differ%s",
            roundsMismatches, repeat == 1 ? "" : timings(graphxRuns, roundsRuns, "GraphX/ours"))));
    // PageRank has no goal: the last of the --repeat runs is reported, the others warm it up.
    List<Row> pageRank = null;
    for (int i = 0; i < repeat; i++) {
      pageRank = pageRank(spark, scale, graph, cc.edges(), o.pagerankIterations(), config.social());
    }
    rows.addAll(pageRank);
    graph.unpersist();
    return rows;
  }

  /** Peak driver heap and spilled bytes since the scale began. */
  static List<Row> memory(SparkSession spark, long scale, SpillListener spill) {
    waitForListener(spark);
    return List.of(
        Row.info(scale, "peak driver heap", peakHeap() / (double) (1 << 20), "MiB",
            "sum of the heap pools' peaks since this scale began (an upper bound); Spark runs in the driver JVM (local mode)"),
        Row.info(scale, "spilled bytes (memory, disk)", spill.memory.get(), "B",
            String.format(Locale.ROOT, "disk: %,d B; summed over all tasks of this scale", spill.disk.get())));
  }

  /**
   * Our PageRank beside GraphX's, both for a fixed number of iterations on the same graph: as social
   * runs it (in one task up to {@code social.single-task-max-edges}) and by joins alone.
   */
  static List<Row> pageRank(
      SparkSession spark, long scale, Dataset<org.apache.spark.sql.Row> graph, long edges, int iterations, SocialConfig social) {
    Dataset<org.apache.spark.sql.Row> weighted =
        graph.select(col("src").cast("string").as("src"), col("dst").cast("string").as("dst"), lit(1.0).as("weight"));
    long limit = social.singleTaskMaxEdges();
    // Warm-up, billed to none.
    PageRank.run(weighted.limit(10_000), 0.85, 0.0, 2, social.checkpointEvery(), limit).ranks().count();
    PageRank.run(weighted.limit(10_000), 0.85, 0.0, 2, social.checkpointEvery()).ranks().count();
    GraphXOracle.pageRank(graph.limit(10_000), 2, 0.15).count();

    long t = System.nanoTime();
    Dataset<org.apache.spark.sql.Row> graphx =
        GraphXOracle.pageRank(graph, iterations, 0.15).persist(StorageLevel.MEMORY_AND_DISK());
    long graphxVertices = graphx.count();
    double graphxSeconds = seconds(t);
    List<Row> rows = new ArrayList<>();
    for (long way : new long[] {limit, 0}) {
      t = System.nanoTime();
      // Tolerance 0: exactly `iterations` iterations, as GraphX's PageRank.run does.
      PageRank.Result ours = PageRank.run(weighted, 0.85, 0.0, iterations, social.checkpointEvery(), way);
      ours.ranks().count();
      double oursSeconds = seconds(t);
      Dataset<org.apache.spark.sql.Row> both =
          ours.ranks().as("o")
              .join(graphx.as("g"), col("o.id").equalTo(col("g.vertex").cast("string")), "full_outer")
              .select(col("o.pagerank").as("ours"), col("g.pagerank").as("graphx"));
      long mismatches =
          both.filter(
                  col("ours").isNull()
                      .or(col("graphx").isNull())
                      .or(abs(col("ours").minus(col("graphx"))).gt(lit(1e-6).multiply(greatest(lit(1.0), abs(col("graphx")))))))
              .count();
      Object maxDiff = both.agg(max(abs(col("ours").minus(col("graphx"))))).first().get(0);
      String how =
          way == 0
              ? "by joins alone (social.single-task-max-edges 0)"
              : (edges <= way ? "in one task" : "by joins, over the one-task limit")
                  + String.format(Locale.ROOT, " (social.single-task-max-edges %,d)", way);
      say(scale, "PageRank %s: ours %.1f s, GraphX %.1f s, %,d differ", how, oursSeconds, graphxSeconds, mismatches);
      rows.add(new Row(scale, "PageRank (" + iterations + " iterations)" + (way == 0 ? " by joins" : "") + ": ours vs GraphX",
          oursSeconds, "s", graphxSeconds, graphxSeconds / oursSeconds, null,
          String.format(Locale.ROOT, "ratio = GraphX time / ours; no goal set; ours %s; %,d vertices (GraphX %,d); %,d ranks differ by more than 1e-6 (relative), max |Δ| %s",
              way == 0 ? how : "as social runs it: " + how, ours.vertices(), graphxVertices, mismatches,
              maxDiff == null ? "n/a" : String.format(Locale.ROOT, "%.2e", (Double) maxDiff))));
    }
    graphx.unpersist();
    return rows;
  }

  /**
   * {@code cdx maintain} (OPTIMIZE and VACUUM of every table) as the cdx_maintenance DAG runs it:
   * Saturdays at 08:00 UTC, between the daily runs of Friday's and Saturday's dates. Its seconds.
   */
  static double maintain(SparkSession spark, CdxConfig config, LocalDate runDate) {
    DeltaLog.clearCache();
    long t = System.nanoTime();
    new MaintainJob(spark, config).run(runDate, true, true);
    return seconds(t);
  }

  /** The daily jobs for one date; returns the lines ingested; {@code seconds} gets each job's time. */
  static long daily(SparkSession spark, CdxConfig config, LocalDate date, double... seconds) {
    return dailyJobs(spark, config, date, date, seconds.length == 3 ? seconds : new double[3]);
  }

  /** The daily jobs once over {@code from..to} (a backfill) in a new lakehouse; each job's seconds. */
  static double[] backfill(SparkSession spark, CdxConfig config, LocalDate from, LocalDate to) {
    new Lakehouse(spark, config).ensureDatabases();
    double[] s = new double[3];
    dailyJobs(spark, config, from, to, s);
    return s;
  }

  /**
   * Ingest, refine and identity over the landing dates {@code from..to}; the lines ingested. Each job
   * starts without the Delta logs the earlier ones left cached in this JVM: in production each is its
   * own spark-submit (the daily DAG's tasks), which loads every table's state from its log.
   */
  private static long dailyJobs(SparkSession spark, CdxConfig config, LocalDate from, LocalDate to, double[] s) {
    DeltaLog.clearCache();
    long t = System.nanoTime();
    long lines = lines(new IngestJob(spark, config).run(from, to, List.of()));
    s[0] = seconds(t);
    DeltaLog.clearCache();
    t = System.nanoTime();
    new RefineJob(spark, config).run(from, to);
    s[1] = seconds(t);
    DeltaLog.clearCache();
    t = System.nanoTime();
    // No ground truth: the production daily run has none, so identity's quality step is skipped.
    new IdentityJob(spark, config, null).run(from, to);
    s[2] = seconds(t);
    return lines;
  }

  /** Bare {@code read.json → delta} of the JSON-lines sources' files of {@code day} (or "*"); rows written. */
  static long bareJson(SparkSession spark, String landing, String day, String target) {
    String[] paths = JSON_SOURCES.stream().map(s -> landing + "/" + s + "/" + day + "/*").toArray(String[]::new);
    spark.read().json(paths).write().format("delta").mode("overwrite").save(target);
    return spark.read().format("delta").load(target).count();
  }

  /** Bare {@code read.csv(header) → delta} of one CSV source's files; rows written. */
  static long bareCsv(SparkSession spark, String landing, String source, String target) {
    spark.read().option("header", "true").csv(landing + "/" + source + "/*/*")
        .write().format("delta").mode("overwrite").save(target);
    return spark.read().format("delta").load(target).count();
  }

  /** The generator's events per person and day over the run's days, from a small generation. */
  static double eventsPerPersonDay(Options o) {
    int persons = 1000;
    Path dir = o.work().resolve("calibrate");
    Generator.Summary s =
        new Generator(generatorOptions(o, persons, dir)).run();
    delete(dir);
    return s.events() / ((double) persons * o.days());
  }

  /**
   * The generator as the bench runs it: demo's rates, with persons' linking days spread over all the
   * days (a constant daily volume, which day N against day 1 assumes; by default they fall on the
   * first five days, which then land about twice the lines of the others).
   */
  static GeneratorOptions generatorOptions(Options o, int persons, Path out) {
    return new GeneratorOptions(o.seed(), persons, o.days(), 1.0, START, out, 0.005, 0.005, 0.01, o.days());
  }

  static CdxConfig config(String conf, Options o, Path lakehouse, Path landing) {
    return ConfigLoader.load(
        conf,
        "local",
        List.of(
            "lakehouse=" + lakehouse,
            "landing=" + landing,
            "catalog.derby-dir=" + o.work().resolve("catalog"),
            "checkpoint-dir=" + o.work().resolve("checkpoints")));
  }

  static void write(Options o, List<Row> rows, Map<String, String> machine) throws IOException {
    StringBuilder section = new StringBuilder("## Results\n\n");
    section.append("| run | |\n|---|---|\n");
    machine.forEach((k, v) -> section.append("| ").append(k).append(" | ").append(v.replace("|", "\\|")).append(" |\n"));
    section.append('\n').append(BenchReport.table(rows)).append('\n');
    section.append("Ratios: ingest = ours / bare (events/s); amplification and day N / day 1 = time / time; components and PageRank = GraphX time / ours. ")
        .append("Goals are those of issue 10, reported, never asserted. The same rows are in benchmarks.csv.\n");
    Files.createDirectories(o.out());
    Path page = o.out().resolve("benchmarks.md");
    String old = Files.exists(page) ? Files.readString(page, StandardCharsets.UTF_8) : "";
    Files.writeString(page, BenchReport.replaceSection(old, section.toString(), "Benchmarks"), StandardCharsets.UTF_8);
    Files.writeString(o.out().resolve("benchmarks.csv"), BenchReport.csv(rows), StandardCharsets.UTF_8);
    System.out.println("bench: wrote " + page + " and " + o.out().resolve("benchmarks.csv"));
  }

  // ------------------------------------------------------------------------------------ helpers

  private static long lines(List<IngestJob.SliceReport> report) {
    return report.stream().mapToLong(IngestJob.SliceReport::lines).sum();
  }

  private static double seconds(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  private static void say(long scale, String format, Object... args) {
    System.out.printf(Locale.ROOT, "bench [%,d]: " + format + "%n", prepend(scale, args));
  }

  private static Object[] prepend(long first, Object[] rest) {
    Object[] all = new Object[rest.length + 1];
    all[0] = first;
    System.arraycopy(rest, 0, all, 1, rest.length);
    return all;
  }

  private static void resetPeakHeap() {
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP) {
        pool.resetPeakUsage();
      }
    }
  }

  private static long peakHeap() {
    long sum = 0;
    for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
      if (pool.getType() == MemoryType.HEAP && pool.getPeakUsage() != null) {
        sum += pool.getPeakUsage().getUsed();
      }
    }
    return sum;
  }

  private static void waitForListener(SparkSession spark) {
    try {
      spark.sparkContext().listenerBus().waitUntilEmpty(60_000);
    } catch (java.util.concurrent.TimeoutException | RuntimeException e) {
      // The listener's sums may then miss the last tasks; they are reported as they are.
    }
  }

  static String loadAverage() {
    try {
      String[] f = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
      return f[0] + ", " + f[1] + ", " + f[2];
    } catch (IOException e) {
      return "unknown (no /proc/loadavg)";
    }
  }

  private static String memTotal() {
    try (Stream<String> lines = Files.lines(Path.of("/proc/meminfo"))) {
      return lines.filter(l -> l.startsWith("MemTotal:"))
          .map(l -> Long.parseLong(l.replaceAll("\\D", "")) / (1024 * 1024) + " GiB")
          .findFirst().orElse("unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }

  private static String osName() {
    String pretty = System.getProperty("os.name");
    try (Stream<String> lines = Files.lines(Path.of("/etc/os-release"))) {
      pretty = lines.filter(l -> l.startsWith("PRETTY_NAME=")).map(l -> l.substring(12).replace("\"", ""))
          .findFirst().orElse(pretty);
    } catch (IOException e) {
      // os.name is enough
    }
    return pretty + ", kernel " + System.getProperty("os.version") + " (" + System.getProperty("os.arch") + ")";
  }

  private static String deltaVersion() {
    try {
      String jar = io.delta.tables.DeltaTable.class.getProtectionDomain().getCodeSource().getLocation().getPath();
      String name = Path.of(jar).getFileName().toString();
      return name.replaceAll("^delta-spark_[0-9.]+-", "").replaceAll("\\.jar$", "");
    } catch (RuntimeException e) {
      return "unknown";
    }
  }

  private static String firstLine(Throwable e) {
    String m = String.valueOf(e.getMessage());
    int nl = m.indexOf('\n');
    return e.getClass().getSimpleName() + ": " + (nl < 0 ? m : m.substring(0, nl));
  }

  static void delete(Path dir) {
    if (!Files.exists(dir)) {
      return;
    }
    try (Stream<Path> walk = Files.walk(dir)) {
      for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    } catch (IOException e) {
      throw new UncheckedIOException("Cannot delete " + dir, e);
    }
  }
}
