package org.customerdynamics.generate;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.concurrent.Callable;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.RunDates;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cdx generate}: synthetic raw logs for every channel with their ground truth (SPEC §9). */
@Command(
    name = "generate",
    mixinStandardHelpOptions = true,
    description = {
      "Writes synthetic raw logs for every channel (<out>/landing/<source>/<date>/) and their ground",
      "truth (<out>/truth/): deterministic per seed. No Spark needed."
    })
public final class GenerateCommand implements Callable<Integer> {
  @Option(names = "--seed", description = "Random seed (default: ${DEFAULT-VALUE}).", defaultValue = "7")
  long seed;

  @Option(names = "--persons", description = "Number of persons (default: ${DEFAULT-VALUE}).", defaultValue = "2000")
  int persons;

  @Option(names = "--days", description = "Number of days (default: ${DEFAULT-VALUE}).", defaultValue = "30")
  int days;

  @Option(
      names = "--events-per-day",
      description = "Average events per person and day, before churn and mood (default: ${DEFAULT-VALUE}).",
      defaultValue = "1.0")
  double eventsPerDay;

  @Option(names = "--start", description = "First day, YYYY-MM-DD (default: ${DEFAULT-VALUE}).", defaultValue = "2026-01-01")
  String start;

  @Option(names = "--out", required = true, description = "Output folder.")
  Path out;

  @Option(names = "--malformed-rate", description = "Share of malformed lines (default: ${DEFAULT-VALUE}).", defaultValue = "0.005")
  double malformedRate;

  @Option(names = "--duplicate-rate", description = "Share of lines sent twice (default: ${DEFAULT-VALUE}).", defaultValue = "0.005")
  double duplicateRate;

  @Option(names = "--late-rate", description = "Share of events landing a day late (default: ${DEFAULT-VALUE}).", defaultValue = "0.01")
  double lateRate;

  @Option(
      names = "--linking-days",
      description =
          "The first days over which persons link their identifiers, the busier days (default: ${DEFAULT-VALUE});"
              + " --days or more for a constant daily volume.",
      defaultValue = "" + GeneratorOptions.DEFAULT_LINKING_DAYS)
  int linkingDays;

  @Override
  public Integer call() {
    LocalDate first = RunDates.parse(start);
    GeneratorOptions options;
    try {
      options =
          new GeneratorOptions(
              seed, persons, days, eventsPerDay, first, out.toAbsolutePath(), malformedRate, duplicateRate, lateRate,
              linkingDays);
    } catch (IllegalArgumentException e) {
      throw CdxException.usage("Cannot generate: " + e.getMessage());
    }
    long t0 = System.nanoTime();
    Generator.Summary s = new Generator(options).run();
    double secs = (System.nanoTime() - t0) / 1e9;
    System.out.printf(
        "generated %,d events (%,d lines: %,d malformed, %,d duplicates, %,d late) for %,d persons over %d days"
            + " (%s .. %s) in %.1f s%n  landing: %s%n  truth:   %s%n",
        s.events(), s.lines(), s.malformed(), s.duplicates(), s.late(), s.persons(), s.days(),
        first, first.plusDays(days - 1), secs, options.landing(), options.truth());
    return 0;
  }
}
