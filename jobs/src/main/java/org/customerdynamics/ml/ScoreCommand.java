package org.customerdynamics.ml;

import java.time.LocalDate;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.cli.JobCommand;
import org.customerdynamics.common.config.CdxConfig;
import picocli.CommandLine.Command;

/** {@code cdx score}: champions applied to the run date's feature snapshot. */
@Command(
    name = "score",
    mixinStandardHelpOptions = true,
    description = "Applies the champion models to the run date's snapshot (gold.scores, gold.segments, sentiment tables).")
public final class ScoreCommand extends JobCommand {
  @Override
  protected void run(SparkSession spark, CdxConfig config, LocalDate runDate) {
    var used = new ScoreJob(spark, config).run(runDate);
    System.out.println("score: " + runDate + " scored with champions " + used + " into " + ScoreJob.SCORES);
  }
}
