package org.customerdynamics.report;

import java.time.LocalDate;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.cli.JobCommand;
import org.customerdynamics.common.config.CdxConfig;
import picocli.CommandLine.Command;

/** {@code cdx report}. */
@Command(
    name = "report",
    mixinStandardHelpOptions = true,
    description = "Writes every reporting table for the run date (docs/tables-reporting.md).")
public final class ReportCommand extends JobCommand {
  @Override
  protected void run(SparkSession spark, CdxConfig config, LocalDate runDate) {
    new ReportJob(spark, config).run(runDate);
  }
}
