package org.customerdynamics.cli;

import java.time.LocalDate;
import java.util.concurrent.Callable;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.RunDates;
import org.customerdynamics.common.SparkSessions;
import org.customerdynamics.common.config.CdxConfig;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/**
 * The thin shell of a Spark job: parse flags, load and validate config (before Spark starts), build
 * the session, run, delete the run's checkpoints, stop the session.
 */
public abstract class JobCommand implements Callable<Integer> {
  @Mixin public CommonOptions common;

  @Spec public CommandSpec spec;

  /** Whether the job requires --run-date. */
  protected boolean needsRunDate() {
    return true;
  }

  /** Checks job-specific flags before Spark starts. */
  protected void validate(CdxConfig config) {}

  protected abstract void run(SparkSession spark, CdxConfig config, LocalDate runDate);

  @Override
  public Integer call() {
    CdxConfig config = common.config();
    LocalDate runDate = null;
    if (needsRunDate() || common.runDate != null) {
      runDate = RunDates.parse(common.runDate);
    }
    validate(config);
    SparkSession spark = SparkSessions.build(config, "cdx " + spec.name());
    try {
      new Lakehouse(spark, config).ensureDatabases();
      run(spark, config, runDate);
    } finally {
      try {
        SparkSessions.deleteCheckpoints(spark);
      } finally {
        spark.stop();
      }
    }
    return 0;
  }
}
