package org.customerdynamics.ml;

import java.time.LocalDate;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.cli.JobCommand;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.config.CdxConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cdx features}: point-in-time feature snapshots per person into gold.features. */
@Command(
    name = "features",
    mixinStandardHelpOptions = true,
    description = "Point-in-time feature snapshots per person (gold.features, one partition per snapshot date).")
public final class FeaturesCommand extends JobCommand {
  @Option(names = "--snapshots", paramLabel = "N", defaultValue = "1",
      description = "How many snapshots to compute: the run date and N-1 earlier ones (default: ${DEFAULT-VALUE}).")
  int snapshots;

  @Option(names = "--every", paramLabel = "DAYS", defaultValue = "7",
      description = "Days between snapshots when --snapshots > 1 (default: ${DEFAULT-VALUE}).")
  int every;

  @Override
  protected void validate(CdxConfig config) {
    if (snapshots < 1 || every < 1) {
      throw CdxException.usage("Cannot compute features: --snapshots and --every must be >= 1");
    }
  }

  @Override
  protected void run(SparkSession spark, CdxConfig config, LocalDate runDate) {
    var dates = new FeaturesJob(spark, config).run(runDate, snapshots, every);
    System.out.println("features: wrote snapshots " + dates + " to " + FeaturesJob.TABLE);
  }
}
