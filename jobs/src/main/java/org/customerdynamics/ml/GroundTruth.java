package org.customerdynamics.ml;

import static org.apache.spark.sql.functions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Identifiers;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.social.SocialScoring;

/**
 * The generator's ground truth ({@code persons.csv}, {@code churners.csv}, {@code identifiers.csv}),
 * mapped onto our {@code person_id}s through {@code silver.identity_map}, to score models against
 * what was planted (demo and benchmarks only: production has no truth). Never used for training or
 * model choice; only reported.
 */
final class GroundTruth {
  /** The files of the truth folder read here. */
  static final List<String> FILES = List.of("persons.csv", "churners.csv", "identifiers.csv");

  private final Dataset<Row> persons;

  private GroundTruth(Dataset<Row> persons) {
    this.persons = persons;
  }

  /**
   * Reads the truth folder. Output rows (see {@link #persons}): person_id, churn_date (null when not
   * a planted churner), niche (boolean).
   */
  static GroundTruth read(SparkSession spark, CdxConfig config, Path dir) {
    for (String f : FILES) {
      if (!Files.isRegularFile(dir.resolve(f))) {
        throw new CdxException(
            "Cannot score against the ground truth: " + dir.resolve(f) + " does not exist; pass --truth pointing at"
                + " the folder the generator wrote (" + String.join(", ", FILES) + ")");
      }
    }
    Identifiers.register(spark, config.privacy().hashKey(), config.refine().defaultCountryCode());
    Lakehouse lakehouse = new Lakehouse(spark, config);
    Dataset<Row> identityMap = lakehouse.read("silver.identity_map").withColumnRenamed("node", "identifier");
    Dataset<Row> mapping =
        SocialScoring.mapPersons(SocialScoring.keyIdentifiers(csv(spark, dir.resolve("identifiers.csv"))), identityMap);
    Dataset<Row> churners =
        csv(spark, dir.resolve("churners.csv"))
            .select(col("person_id").as("truth_person_id"), col("churn_date").cast("date").as("churn_date"));
    Dataset<Row> truth =
        csv(spark, dir.resolve("persons.csv"))
            .select(col("person_id").as("truth_person_id"), lower(col("is_niche")).equalTo("true").as("niche"))
            .join(churners, FeatureTransforms.scala(List.of("truth_person_id")), "left")
            .join(mapping, FeatureTransforms.scala(List.of("truth_person_id")), "inner")
            // Several planted persons wrongly merged into one of ours: a churner or niche member if any is.
            .groupBy("person_id")
            .agg(min("churn_date").as("churn_date"), max(col("niche").cast("int")).equalTo(1).as("niche"))
            .select("person_id", "churn_date", "niche");
    return new GroundTruth(truth);
  }

  private static Dataset<Row> csv(SparkSession spark, Path file) {
    return spark.read().option("header", "true").option("inferSchema", "false").csv(file.toString());
  }

  /** person_id, churn_date, niche. */
  Dataset<Row> persons() {
    return persons;
  }

  /**
   * Replaces {@code label} of scored rows (person_id, snapshot_date, …) with the planted truth:
   * 1.0 when the person's planted churn date falls in (snapshot_date, snapshot_date + horizon].
   */
  Dataset<Row> withChurnTruth(Dataset<Row> rows, int horizonDays) {
    Column churned =
        col("churn_date").gt(col("snapshot_date")).and(col("churn_date").leq(date_add(col("snapshot_date"), horizonDays)));
    return rows.drop("label")
        .join(persons.select("person_id", "churn_date"), FeatureTransforms.scala(List.of("person_id")), "left")
        .withColumn("label", when(churned, 1.0).otherwise(0.0))
        .drop("churn_date");
  }
}
