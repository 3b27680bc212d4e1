package org.customerdynamics.refine;

import java.time.LocalDate;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.cli.JobCommand;
import org.customerdynamics.common.RunDates;
import org.customerdynamics.common.config.CdxConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cdx refine}: the thin shell over {@link RefineJob}. */
@Command(
    name = "refine",
    mixinStandardHelpOptions = true,
    description = {
      "Bronze to silver: dedup, normalise, pseudonymise, sessions.",
      "Processes the bronze rows landed on --run-date (late events included) into silver.interactions",
      "and silver.consent. Needs the hash key in the environment variable named by privacy.hash-key-env."
    })
public final class RefineCommand extends JobCommand {
  @Option(
      names = "--from-date",
      paramLabel = "YYYY-MM-DD",
      description = "Also refine every landing date from this one up to --run-date (a backfill).")
  String fromDate;

  private LocalDate from;

  @Override
  protected void validate(CdxConfig config) {
    LocalDate to = RunDates.parse(common.runDate);
    from = fromDate == null ? to : RunDates.parse(fromDate);
    if (from.isAfter(to)) {
      throw org.customerdynamics.common.CdxException.usage(
          "Cannot refine: --from-date " + from + " is after --run-date " + to);
    }
    config.privacy().hashKey();
  }

  @Override
  protected void run(SparkSession spark, CdxConfig config, LocalDate runDate) {
    long n = new RefineJob(spark, config).run(from, runDate);
    spec.commandLine().getOut().printf("refined %s..%s: %,d bronze rows%n", from, runDate, n);
  }
}
