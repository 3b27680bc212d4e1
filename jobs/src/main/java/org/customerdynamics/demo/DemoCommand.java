package org.customerdynamics.demo;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.cli.JobCommand;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.generate.Generator;
import org.customerdynamics.generate.GeneratorOptions;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code cdx demo}: generates a synthetic data set and runs every job in order, embedded, in one
 * SparkSession, then prints where the lakehouse is and what it holds.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Generates a synthetic data set and runs every job in order, locally (embedded Spark),",
      "then prints where the lakehouse is and what it holds."
    })
public final class DemoCommand extends JobCommand {
  private static final Logger LOG = LoggerFactory.getLogger(DemoCommand.class);

  @Option(names = "--seed", defaultValue = "7", description = "Generator seed (default: ${DEFAULT-VALUE}).")
  long seed;

  @Option(names = "--persons", defaultValue = "1500", description = "Persons (default: ${DEFAULT-VALUE}).")
  int persons;

  @Option(names = "--days", defaultValue = "35", description = "Days of history (default: ${DEFAULT-VALUE}).")
  int days;

  @Option(names = "--start", defaultValue = "2026-01-01", description = "First day (default: ${DEFAULT-VALUE}).")
  String start;

  @Option(
      names = "--data",
      defaultValue = "demo-data",
      description = "Where the generated landing zone and ground truth go (default: ${DEFAULT-VALUE}).")
  Path data;

  /** One step of the pipeline, run in order against the shared session. */
  public interface Step {
    void run(SparkSession spark, CdxConfig config, DemoContext context);
  }

  /**
   * What the steps share: the dates and where the ground truth is.
   *
   * @param truth the generator's truth folder, or null to run the steps as production does, with
   *     nothing scored against a ground truth (the benchmark)
   */
  public record DemoContext(LocalDate first, LocalDate last, Path truth) {
    /** The truth folder, when the steps score against one. */
    public Optional<Path> truthDir() {
      return Optional.ofNullable(truth);
    }
  }

  @Override
  protected boolean needsRunDate() {
    return false;
  }

  @Override
  protected void run(SparkSession spark, CdxConfig config, LocalDate ignored) {
    LocalDate first = LocalDate.parse(start);
    LocalDate last = first.plusDays(days - 1);
    Path out = data.toAbsolutePath();
    GeneratorOptions options =
        new GeneratorOptions(seed, persons, days, 1.0, first, out, 0.005, 0.005, 0.01);
    Generator.Summary g = new Generator(options).run();
    System.out.printf(
        "demo: generated %,d events for %,d persons over %d days into %s%n",
        g.events(), g.persons(), g.days(), out);
    CdxConfig demoConfig = DemoSteps.withLanding(config, options.landing().toString());
    DemoContext context = new DemoContext(first, last, options.truth());
    List<String> skipped = new ArrayList<>();
    for (DemoSteps.Named step : DemoSteps.all()) {
      if (step.step() == null) {
        skipped.add(step.name());
        continue;
      }
      long t0 = System.nanoTime();
      spark.sparkContext().setJobGroup("demo " + step.name(), "demo step " + step.name(), false);
      step.step().run(spark, demoConfig, context);
      System.out.printf("demo: %-10s done in %.1f s%n", step.name(), (System.nanoTime() - t0) / 1e9);
    }
    if (!skipped.isEmpty()) {
      System.out.println("demo: not yet available, skipped: " + String.join(", ", skipped));
    }
    printLakehouse(new Lakehouse(spark, demoConfig));
  }

  private static void printLakehouse(Lakehouse lakehouse) {
    System.out.println("demo: lakehouse at " + lakehouse.root() + " holds:");
    for (String db : Lakehouse.DATABASES) {
      for (String table : lakehouse.tables(db)) {
        System.out.printf("  %-40s %,12d rows%n", table, lakehouse.read(table).count());
      }
    }
    System.out.println(
        "demo: query it with bin/cdx sql \"SELECT * FROM reporting.daily_kpis\" (any new session sees the catalog)");
    LOG.debug("demo finished");
  }
}
