package org.customerdynamics.ml;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Optional;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.cli.JobCommand;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.config.CdxConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cdx train --model churn|loyalty|segments|sentiment}. */
@Command(
    name = "train",
    mixinStandardHelpOptions = true,
    description = "Trains a model (churn, loyalty, segments, sentiment), gates it against the champion and records it in gold.model_registry.")
public final class TrainCommand extends JobCommand {
  @Option(names = "--model", required = true, paramLabel = "MODEL",
      description = "churn, loyalty, segments or sentiment.")
  String model;

  @Option(names = "--truth", paramLabel = "DIR",
      description = {
        "The generator's ground-truth folder (persons.csv, churners.csv, identifiers.csv): also score",
        "churn against the planted churners and segments against the planted niche (truth_* metrics)."
      })
  Path truth;

  @Override
  protected void validate(CdxConfig config) {
    if (!TrainJob.MODELS.contains(model)) {
      throw CdxException.usage("Cannot train '" + model + "': unknown model; use one of " + TrainJob.MODELS);
    }
    if (truth != null) {
      for (String f : GroundTruth.FILES) {
        if (!java.nio.file.Files.isRegularFile(truth.resolve(f))) {
          throw CdxException.usage(
              "Cannot score against the ground truth: " + truth.resolve(f) + " does not exist; pass --truth pointing at"
                  + " the folder the generator wrote (" + String.join(", ", GroundTruth.FILES) + ")");
        }
      }
    }
  }

  @Override
  protected void run(SparkSession spark, CdxConfig config, LocalDate runDate) {
    System.out.println(TrainJob.report(new TrainJob(spark, config).run(model, runDate, Optional.ofNullable(truth))));
  }
}
