package org.customerdynamics.ml;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;

import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;

/**
 * What a supervised model trains on for a run date: the snapshot dates (oldest first, the last one
 * {@code horizon} days before the run date so its outcome is known), the feature snapshots at those
 * dates and the interactions up to the run date, both read at pinned table versions so the registry
 * can say exactly which data the model saw.
 */
record TrainingWindow(
    List<LocalDate> dates, LocalDate eval, Dataset<Row> features, Dataset<Row> silver, long featuresVersion, long silverVersion) {

  static TrainingWindow of(SparkSession spark, CdxConfig config, LocalDate runDate, int horizonDays, int snapshots, int everyDays) {
    LocalDate eval = runDate.minusDays(horizonDays);
    List<LocalDate> dates = new ArrayList<>();
    for (int i = snapshots - 1; i >= 0; i--) {
      dates.add(eval.minusDays((long) i * everyDays));
    }
    new FeaturesJob(spark, config).ensure(dates);
    Lakehouse lakehouse = new Lakehouse(spark, config);
    long featuresVersion = lakehouse.version(FeaturesJob.TABLE);
    long silverVersion = lakehouse.version(FeaturesJob.INTERACTIONS);
    Dataset<Row> features =
        lakehouse.readVersion(FeaturesJob.TABLE, featuresVersion)
            .filter(col("snapshot_date").isin(dates.stream().map(Date::valueOf).toArray()));
    Dataset<Row> silver =
        lakehouse.readVersion(FeaturesJob.INTERACTIONS, silverVersion).filter(col("event_date").leq(lit(Date.valueOf(runDate))));
    return new TrainingWindow(List.copyOf(dates), eval, features, silver, featuresVersion, silverVersion);
  }

  /** The input table versions, for the registry. */
  Map<String, Long> inputVersions() {
    return Map.of(FeaturesJob.TABLE, featuresVersion, FeaturesJob.INTERACTIONS, silverVersion);
  }
}
