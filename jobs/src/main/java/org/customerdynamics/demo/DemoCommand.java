package org.customerdynamics.demo;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.cli.JobCommand;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.common.config.ConfigLoader;
import org.customerdynamics.generate.Generator;
import org.customerdynamics.generate.GeneratorOptions;
import org.customerdynamics.ingest.IngestJob;
import org.customerdynamics.refine.RefineJob;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cdx demo}: generates synthetic data into {@code <out>/landing} and runs the jobs in order
 * over its whole date range, locally. Jobs not yet available are left out.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = "Generates data and runs every job locally (today: generate, ingest, refine).")
public final class DemoCommand extends JobCommand {
  @Option(names = "--seed", defaultValue = "7", description = "Random seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--persons", defaultValue = "2000", description = "Persons (default: ${DEFAULT-VALUE}).")
  int persons;

  @Option(names = "--days", defaultValue = "30", description = "Days (default: ${DEFAULT-VALUE}).")
  int days;

  @Option(names = "--start", defaultValue = "2026-01-01", description = "First day (default: ${DEFAULT-VALUE}).")
  String start;

  @Option(names = "--out", defaultValue = "demo-data", description = "Where the generated data goes (default: ${DEFAULT-VALUE}).")
  Path out;

  @Override
  protected boolean needsRunDate() {
    return false;
  }

  @Override
  protected void run(SparkSession spark, CdxConfig base, LocalDate ignored) {
    LocalDate first = LocalDate.parse(start);
    LocalDate last = first.plusDays(days - 1);
    GeneratorOptions options =
        new GeneratorOptions(seed, persons, days, 1.0, first, out.toAbsolutePath(), 0.005, 0.005, 0.01);
    Generator.Summary s = new Generator(options).run();
    var printer = spec.commandLine().getOut();
    printer.printf("demo: generated %,d events for %,d persons over %d days%n", s.events(), s.persons(), s.days());
    List<String> sets = new ArrayList<>(common.overrides);
    sets.add("landing=" + options.landing());
    CdxConfig config = ConfigLoader.load(common.confDir, common.env, sets);
    var report = new IngestJob(spark, config).run(first, last, List.of());
    long lines = report.stream().mapToLong(IngestJob.SliceReport::lines).sum();
    long bronze = report.stream().mapToLong(IngestJob.SliceReport::bronze).sum();
    long quarantined = report.stream().mapToLong(IngestJob.SliceReport::quarantined).sum();
    long duplicates = report.stream().mapToLong(IngestJob.SliceReport::duplicates).sum();
    printer.printf(
        "demo: ingested %,d lines = %,d bronze + %,d quarantined + %,d duplicates%n", lines, bronze, quarantined, duplicates);
    new RefineJob(spark, config).run(first, last);
    printer.printf("demo: refined %s..%s into silver.interactions and silver.consent%n", first, last);
  }
}
