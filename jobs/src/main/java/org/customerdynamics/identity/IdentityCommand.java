package org.customerdynamics.identity;

import java.nio.file.Path;
import java.time.LocalDate;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.cli.JobCommand;
import org.customerdynamics.common.config.CdxConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cdx identity --run-date D [--truth DIR]}. */
@Command(
    name = "identity",
    mixinStandardHelpOptions = true,
    description = {
      "Resolves identifiers to one stable person_id: links identifiers seen together, excludes"
          + " over-linked ones, merges persons, stamps person_id on silver.interactions.",
      "Tables: silver.identity_map, silver.identity_edges, silver.identity_excluded,"
          + " silver.identity_merges, gold.identity_quality (with --truth)."
    })
public final class IdentityCommand extends JobCommand {
  @Option(
      names = "--truth",
      paramLabel = "DIR",
      description =
          "The generator's ground-truth folder (identifiers.csv, households.csv, traps.csv): scores"
              + " the map (precision, recall, F1) into gold.identity_quality. Skipped when absent.")
  Path truth;

  @Option(
      names = "--from-date",
      paramLabel = "YYYY-MM-DD",
      description =
          "Backfill: resolve the links of the rows landed on every date from this one to --run-date in"
              + " one pass.")
  String fromDate;

  @Override
  protected void run(SparkSession spark, CdxConfig config, LocalDate runDate) {
    LocalDate from = fromDate == null ? runDate : org.customerdynamics.common.RunDates.parse(fromDate);
    IdentityJob.Result r = new IdentityJob(spark, config, truth).run(from, runDate);
    var out = spec.commandLine().getOut();
    out.println(r.describe(runDate));
    out.flush();
  }
}
