package org.customerdynamics.ml;

import static org.apache.spark.sql.functions.*;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Populations and labels of the supervised models, from what happens after each snapshot. */
public final class LabelTransforms {
  private LabelTransforms() {}

  /**
   * Customers at risk of churn at their snapshot: customers, not yet cancelled, active in the last
   * {@code activeDays} days. Output: the features rows of that population.
   */
  public static Dataset<Row> churnPopulation(Dataset<Row> features, int activeDays) {
    FeatureTransforms.require(features, "gold.features", "is_customer", "cancelled", "recency_days");
    return features
        .filter(col("is_customer").equalTo(1.0)
            .and(col("cancelled").equalTo(0.0))
            .and(col("recency_days").lt(activeDays)))
        .select(FeatureTransforms.columns().stream().map(c -> col(c)).toArray(Column[]::new));
  }

  /** Customers (not cancelled) at their snapshot: the loyalty population. */
  public static Dataset<Row> customerPopulation(Dataset<Row> features) {
    FeatureTransforms.require(features, "gold.features", "is_customer", "cancelled");
    return features
        .filter(col("is_customer").equalTo(1.0).and(col("cancelled").equalTo(0.0)))
        .select(FeatureTransforms.columns().stream().map(c -> col(c)).toArray(Column[]::new));
  }

  /**
   * What happens in (S, S + horizon] for each (person_id, snapshot_date) of {@code population}.
   * Output: person_id, snapshot_date, events_after (own activity, cancellations excluded),
   * cancelled_after (0/1), purchases_after, value_after.
   */
  public static Dataset<Row> outcomes(Dataset<Row> population, Dataset<Row> interactions, int horizonDays) {
    FeatureTransforms.require(interactions, "silver.interactions", "person_id", "event_date", "event_type", "amount");
    Dataset<Row> keys = population.select("person_id", "snapshot_date");
    Dataset<Row> after =
        interactions
            .select(col("person_id").as("p"), col("event_date"), col("event_type"), col("amount"))
            .join(
                keys,
                col("p").equalTo(col("person_id"))
                    .and(col("event_date").gt(col("snapshot_date")))
                    .and(col("event_date").leq(date_add(col("snapshot_date"), horizonDays))),
                "inner")
            .groupBy("person_id", "snapshot_date")
            .agg(
                count(when(col("event_type").notEqual("subscription_cancel"), lit(1))).as("events_after"),
                max(when(col("event_type").equalTo("subscription_cancel"), 1).otherwise(0)).as("cancelled_after"),
                count(when(col("event_type").equalTo("purchase"), lit(1))).as("purchases_after"),
                sum(when(col("event_type").equalTo("purchase"), coalesce(col("amount"), lit(0.0)))).as("value_after"));
    return keys.join(after, FeatureTransforms.scala(java.util.List.of("person_id", "snapshot_date")), "left")
        .select(
            col("person_id"),
            col("snapshot_date"),
            coalesce(col("events_after"), lit(0L)).as("events_after"),
            coalesce(col("cancelled_after"), lit(0)).as("cancelled_after"),
            coalesce(col("purchases_after"), lit(0L)).as("purchases_after"),
            coalesce(col("value_after"), lit(0.0)).as("value_after"));
  }

  /**
   * The churn label (double 0/1) by rule: {@code cancel} (explicit cancellation in the horizon),
   * {@code inactivity} (no own activity in the horizon) or {@code cancel-or-inactivity}.
   */
  public static Dataset<Row> churnLabels(Dataset<Row> outcomes, String rule) {
    Column cancel = col("cancelled_after").equalTo(1);
    Column inactive = col("events_after").equalTo(0);
    Column churn =
        switch (rule) {
          case "cancel" -> cancel;
          case "inactivity" -> inactive;
          default -> cancel.or(inactive);
        };
    return outcomes.select(col("person_id"), col("snapshot_date"), when(churn, 1.0).otherwise(0.0).as("label"));
  }

  /** The loyalty label: at least one purchase in the horizon (repeat propensity), plus its value. */
  public static Dataset<Row> repeatLabels(Dataset<Row> outcomes) {
    return outcomes.select(
        col("person_id"),
        col("snapshot_date"),
        when(col("purchases_after").gt(0), 1.0).otherwise(0.0).as("label"),
        col("value_after"));
  }

  /**
   * Test-only: the labels permuted across rows by a seeded shuffle, to build a model that has
   * learnt nothing (the quality gate must reject it).
   */
  public static Dataset<Row> shuffleLabels(Dataset<Row> labelled, long seed) {
    var byRow = org.apache.spark.sql.expressions.Window.orderBy("person_id", "snapshot_date");
    var byRand = org.apache.spark.sql.expressions.Window.orderBy(col("_r"), col("person_id"), col("snapshot_date"));
    Dataset<Row> rows = labelled.withColumn("_i", row_number().over(byRow));
    Dataset<Row> labels = labelled
        .select(col("person_id"), col("snapshot_date"), col("label").as("_l"))
        .withColumn("_r", rand(seed))
        .withColumn("_i", row_number().over(byRand))
        .select("_i", "_l");
    return rows.join(labels, FeatureTransforms.scala(java.util.List.of("_i")), "inner")
        .withColumn("label", col("_l"))
        .drop("_i", "_l")
        .select(java.util.Arrays.stream(labelled.columns()).map(c -> col(c)).toArray(Column[]::new));
  }
}
