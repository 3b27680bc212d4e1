package org.customerdynamics.identity;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Identifiers;

/**
 * Scores the identity map against the generator's ground truth (SPEC §9): pairwise precision, recall
 * and F1 over identifiers known to both, the largest component, and whether the planted over-merge
 * traps were excluded.
 *
 * <p>The truth folder holds {@code identifiers.csv} ({@code id_type,value,person_id}, raw values as
 * in the raw logs), {@code households.csv} ({@code household_id,person_id}) and {@code traps.csv}
 * ({@code id_type,value,reason}). Raw values are keyed like refine keys them ({@link Identifiers}), so
 * the raw values never meet the lakehouse.
 */
public final class IdentityQuality {
  private final Path truthDir;

  public IdentityQuality(Path truthDir) {
    this.truthDir = truthDir;
  }

  /**
   * Reads the truth and scores {@code identityMap}.
   *
   * @return one row, the columns of {@link #score(Dataset, Dataset, Dataset, Dataset, LocalDate)}
   */
  public Dataset<Row> score(
      SparkSession spark,
      Dataset<Row> identityMap,
      String secret,
      String defaultCountryCode,
      LocalDate runDate) {
    Identifiers.register(spark, secret, defaultCountryCode);
    Dataset<Row> identifiers = read(spark, "identifiers.csv", "id_type", "value", "person_id");
    Dataset<Row> households = read(spark, "households.csv", "household_id", "person_id");
    Dataset<Row> traps = read(spark, "traps.csv", "id_type", "value", "reason");
    Dataset<Row> truth =
        identifiers
            .select(node(col("id_type"), col("value")).as("node"), col("person_id").as("true_person"))
            .filter(col("node").isNotNull())
            .distinct();
    Dataset<Row> trapNodes =
        traps.select(node(col("id_type"), col("value")).as("node")).filter(col("node").isNotNull()).distinct();
    return score(identityMap, truth, households, trapNodes, runDate);
  }

  private static Column node(Column type, Column value) {
    Column key = org.apache.spark.sql.functions.call_udf(Identifiers.KEY_FUNCTION, type, value);
    return when(key.isNotNull(), concat(type, lit(":"), key));
  }

  private Dataset<Row> read(SparkSession spark, String file, String... columns) {
    Path path = truthDir.resolve(file);
    if (!Files.isRegularFile(path)) {
      throw new CdxException(
          "Cannot score identity quality: "
              + path
              + " does not exist; pass --truth pointing at the folder the generator wrote its truth to");
    }
    Dataset<Row> data = spark.read().option("header", "true").csv(path.toString());
    List<String> have = Arrays.asList(data.columns());
    for (String c : columns) {
      if (!have.contains(c)) {
        throw new CdxException(
            "Cannot score identity quality: "
                + path
                + " has no column '"
                + c
                + "' (header: "
                + String.join(",", have)
                + "); expected "
                + String.join(",", columns));
      }
    }
    return data;
  }

  /**
   * Pairwise scores: a pair of identifiers is predicted when they share a person_id, true when they
   * share a true person. Planted traps are left out of the pairs (they belong to nobody); excluded
   * identifiers count as persons of their own.
   *
   * @param identityMap silver.identity_map
   * @param truth {@code node}, {@code true_person}
   * @param households {@code household_id}, {@code person_id} (true persons)
   * @param traps {@code node}
   * @return one row: {@code run_date}, {@code identifiers_scored}, {@code true_pairs}, {@code
   *     predicted_pairs}, {@code true_positive_pairs}, {@code precision}, {@code recall}, {@code f1},
   *     {@code persons}, {@code largest_component_identifiers}, {@code largest_component_persons}
   *     (true persons in the predicted person holding the most), {@code largest_household}, {@code
   *     excluded_identifiers}, {@code traps_planted}, {@code traps_seen}, {@code traps_caught}
   */
  public static Dataset<Row> score(
      Dataset<Row> identityMap,
      Dataset<Row> truth,
      Dataset<Row> households,
      Dataset<Row> traps,
      LocalDate runDate) {
    Dataset<Row> scored =
        identityMap
            .select(
                col("node"),
                coalesce(col("person_id"), concat(lit("excluded|"), col("node"))).as("predicted"))
            .join(truth, "node", "inner")
            .join(traps, "node", "left_anti");
    Column pairs = col("n").multiply(col("n").minus(1)).divide(2);
    Dataset<Row> predicted =
        scored.groupBy("predicted")
            .agg(count(lit(1)).as("n"), countDistinct("true_person").as("true_persons"))
            .agg(
                coalesce(sum(pairs), lit(0)).as("predicted_pairs"),
                coalesce(max("true_persons"), lit(0)).as("largest_component_persons"),
                coalesce(sum("n"), lit(0)).as("identifiers_scored"));
    Dataset<Row> actual =
        scored.groupBy("true_person").agg(count(lit(1)).as("n")).agg(coalesce(sum(pairs), lit(0)).as("true_pairs"));
    Dataset<Row> both =
        scored.groupBy("predicted", "true_person")
            .agg(count(lit(1)).as("n"))
            .agg(coalesce(sum(pairs), lit(0)).as("true_positive_pairs"));
    Dataset<Row> sizes =
        identityMap
            .filter(col("person_id").isNotNull())
            .groupBy("person_id")
            .agg(count(lit(1)).as("n"))
            .agg(count(lit(1)).as("persons"), coalesce(max("n"), lit(0)).as("largest_component_identifiers"));
    Dataset<Row> household =
        households.groupBy("household_id")
            .agg(countDistinct("person_id").as("n"))
            .agg(coalesce(max("n"), lit(1)).as("largest_household"));
    Dataset<Row> excluded =
        identityMap.agg(
            coalesce(sum(when(col("excluded"), 1).otherwise(0)), lit(0)).as("excluded_identifiers"));
    Dataset<Row> trapStats =
        traps.join(identityMap.select("node", "excluded"), "node", "left_outer")
            .agg(
                count(lit(1)).as("traps_planted"),
                count(col("excluded")).as("traps_seen"),
                coalesce(sum(when(col("excluded"), 1).otherwise(0)), lit(0)).as("traps_caught"));
    Column precision =
        when(col("predicted_pairs").equalTo(0), lit(1.0))
            .otherwise(col("true_positive_pairs").divide(col("predicted_pairs")));
    Column recall =
        when(col("true_pairs").equalTo(0), lit(1.0))
            .otherwise(col("true_positive_pairs").divide(col("true_pairs")));
    return predicted
        .crossJoin(actual)
        .crossJoin(both)
        .crossJoin(sizes)
        .crossJoin(household)
        .crossJoin(excluded)
        .crossJoin(trapStats)
        .withColumn("precision", precision)
        .withColumn("recall", recall)
        .select(
            lit(java.sql.Date.valueOf(runDate)).as("run_date"),
            col("identifiers_scored").cast("long"),
            col("true_pairs").cast("long"),
            col("predicted_pairs").cast("long"),
            col("true_positive_pairs").cast("long"),
            col("precision").cast("double"),
            col("recall").cast("double"),
            when(col("precision").plus(col("recall")).equalTo(0), lit(0.0))
                .otherwise(
                    col("precision").multiply(col("recall")).multiply(2)
                        .divide(col("precision").plus(col("recall"))))
                .cast("double")
                .as("f1"),
            col("persons").cast("long"),
            col("largest_component_identifiers").cast("long"),
            col("largest_component_persons").cast("long"),
            col("largest_household").cast("long"),
            col("excluded_identifiers").cast("long"),
            col("traps_planted").cast("long"),
            col("traps_seen").cast("long"),
            col("traps_caught").cast("long"));
  }
}
