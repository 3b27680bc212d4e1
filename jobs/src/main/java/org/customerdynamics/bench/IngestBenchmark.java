package org.customerdynamics.bench;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.SparkSessions;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.common.config.ConfigLoader;
import org.customerdynamics.ingest.IngestJob;

/**
 * Ingest throughput beside the bare baseline, in one JVM and one session on the same files: {@code
 * spark.read.json(files).write.format("delta")} versus {@code ingest} (read with line numbers, map,
 * validate, quarantine, deduplicate, MERGE into bronze, ledger) over the JSON-lines sources, then
 * ingest of every source for reference. A benchmark that reports figures; it asserts nothing.
 *
 * <p>Usage: {@code IngestBenchmark <generated-dir> <work-dir> <first-date> <last-date>}, after {@code
 * cdx generate --out <generated-dir>}. Results: docs/benchmarks-ingest.md.
 */
public final class IngestBenchmark {
  private static final List<String> JSON_SOURCES = List.of("app", "email", "iot", "social", "web");

  public static void main(String[] args) {
    String data = args[0];
    String work = args[1];
    LocalDate first = LocalDate.parse(args[2]);
    LocalDate last = LocalDate.parse(args[3]);
    String conf = System.getenv().getOrDefault("CDX_CONF_DIR", "conf");
    CdxConfig config =
        ConfigLoader.load(
            conf, "local", List.of("lakehouse=" + work + "/lakehouse", "landing=" + data + "/landing"));
    SparkSession spark = SparkSessions.build(config, "ingest-benchmark");
    try {
      new Lakehouse(spark, config).ensureDatabases();
      List<String> jsonFiles = new ArrayList<>();
      for (String s : JSON_SOURCES) {
        jsonFiles.add(config.landing() + "/" + s + "/*/*.jsonl*");
      }
      // Warm-up on the first day (JIT, class loading), discarded.
      spark.read().json(JSON_SOURCES.stream().map(s -> config.landing() + "/" + s + "/" + first + "/*.jsonl*").toArray(String[]::new))
          .write().format("delta").mode("overwrite").save(work + "/warmup-bare");
      CdxConfig warm =
          ConfigLoader.load(conf, "local", List.of("lakehouse=" + work + "/warmup", "landing=" + data + "/landing"));
      new IngestJob(spark, warm).run(first, first, JSON_SOURCES);

      long t0 = System.nanoTime();
      spark.read().json(jsonFiles.toArray(String[]::new)).write().format("delta").mode("overwrite").save(work + "/bare");
      double bare = (System.nanoTime() - t0) / 1e9;
      long bareRows = spark.read().format("delta").load(work + "/bare").count();

      long t1 = System.nanoTime();
      var report = new IngestJob(spark, config).run(first, last, JSON_SOURCES);
      double ours = (System.nanoTime() - t1) / 1e9;
      long lines = report.stream().mapToLong(IngestJob.SliceReport::lines).sum();

      CdxConfig all =
          ConfigLoader.load(conf, "local", List.of("lakehouse=" + work + "/lakehouse-all", "landing=" + data + "/landing"));
      long t2 = System.nanoTime();
      var allReport = new IngestJob(spark, all).run(first, last, List.of());
      double allSeconds = (System.nanoTime() - t2) / 1e9;
      long allLines = allReport.stream().mapToLong(IngestJob.SliceReport::lines).sum();

      System.out.printf(Locale.ROOT, "bare read.json -> delta : %,d rows  in %7.1f s = %,9.0f events/s%n", bareRows, bare, bareRows / bare);
      System.out.printf(Locale.ROOT, "ingest (JSON sources)   : %,d lines in %7.1f s = %,9.0f events/s (%.2f x bare)%n",
          lines, ours, lines / ours, (lines / ours) / (bareRows / bare));
      System.out.printf(Locale.ROOT, "ingest (all 8 sources)  : %,d lines in %7.1f s = %,9.0f events/s%n", allLines, allSeconds, allLines / allSeconds);
    } finally {
      spark.stop();
    }
  }
}
