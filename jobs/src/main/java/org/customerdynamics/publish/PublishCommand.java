package org.customerdynamics.publish;

import java.time.LocalDate;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.cli.JobCommand;
import org.customerdynamics.common.config.CdxConfig;
import picocli.CommandLine.Command;

/** {@code cdx publish}. */
@Command(
    name = "publish",
    mixinStandardHelpOptions = true,
    description = {
      "Copies the reporting tables into the serving database (PostgreSQL), atomically per table.",
      "Password from the environment variable named by publish.password-env (default CDX_PG_PASSWORD)."
    })
public final class PublishCommand extends JobCommand {
  @Override
  protected void validate(CdxConfig config) {
    if (System.getenv(config.publish().passwordEnv()) == null) {
      throw new org.customerdynamics.common.CdxException(
          "Cannot publish: environment variable " + config.publish().passwordEnv()
              + " is not set; export the serving database password (bin/postgres env prints it locally)", null, 2);
    }
  }

  @Override
  protected void run(SparkSession spark, CdxConfig config, LocalDate runDate) {
    new PublishJob(spark, config).run(runDate);
  }
}
