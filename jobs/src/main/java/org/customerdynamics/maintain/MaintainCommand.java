package org.customerdynamics.maintain;

import java.time.LocalDate;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.cli.JobCommand;
import org.customerdynamics.common.config.CdxConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cdx maintain}. */
@Command(
    name = "maintain",
    mixinStandardHelpOptions = true,
    description = "OPTIMIZE and VACUUM every lakehouse table (retention: maintain.vacuum-retention-hours).")
public final class MaintainCommand extends JobCommand {
  @Option(names = "--no-optimize", description = "Skip OPTIMIZE.")
  boolean noOptimize;

  @Option(names = "--no-vacuum", description = "Skip VACUUM.")
  boolean noVacuum;

  @Override
  protected void run(SparkSession spark, CdxConfig config, LocalDate runDate) {
    new MaintainJob(spark, config).run(runDate, !noOptimize, !noVacuum);
  }
}
