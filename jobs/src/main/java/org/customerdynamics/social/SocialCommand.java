package org.customerdynamics.social;

import java.time.LocalDate;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.cli.JobCommand;
import org.customerdynamics.common.config.CdxConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cdx social}: the thin shell over {@link SocialJob}. */
@Command(
    name = "social",
    mixinStandardHelpOptions = true,
    description =
        "Social graph: person-to-person edges, influence (PageRank, two-hop reach), communities,"
            + " community profiles and graph features for the window ending at --run-date.")
public final class SocialCommand extends JobCommand {
  @Option(
      names = "--truth",
      paramLabel = "DIR",
      description =
          "The generator's ground-truth folder (persons.csv, identifiers.csv): score community and"
              + " influencer recovery and store the scores in gold.social_quality.")
  String truth;

  @Override
  protected void run(SparkSession spark, CdxConfig config, LocalDate runDate) {
    SocialJob.Summary summary = new SocialJob(spark, config).run(runDate, Optional.ofNullable(truth));
    spec.commandLine().getOut().println(summary.describe());
    spec.commandLine().getOut().flush();
  }
}
