package org.customerdynamics.ml;

import static org.apache.spark.sql.functions.*;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/** Text sentiment: training rows from rated feedback, person-level sentiment, silent unhappy customers. */
public final class SentimentTransforms {
  private SentimentTransforms() {}

  /**
   * Rated feedback up to {@code asOf}: rating ≤ 2 negative (label 0), ≥ 4 positive (label 1), 3 left
   * out. Output: event_id, text, rating, label.
   */
  public static Dataset<Row> ratedTexts(Dataset<Row> interactions, java.time.LocalDate asOf) {
    FeatureTransforms.require(interactions, "silver.interactions", "event_id", "event_date", "text", "rating");
    return interactions
        .filter(col("event_date").leq(lit(java.sql.Date.valueOf(asOf)))
            .and(col("text").isNotNull()).and(length(trim(col("text"))).gt(0))
            .and(col("rating").isNotNull()).and(col("rating").notEqual(3)))
        .select(col("event_id"), col("text"), col("rating"), when(col("rating").geq(4), 1.0).otherwise(0.0).as("label"));
  }

  /** Every text up to {@code asOf}, rated or not: event_id, person_id, event_date, event_type, channel, text, rated. */
  public static Dataset<Row> texts(Dataset<Row> interactions, java.time.LocalDate asOf) {
    FeatureTransforms.require(interactions, "silver.interactions", "event_id", "person_id", "event_date", "event_type", "channel", "text", "rating");
    return interactions
        .filter(col("event_date").leq(lit(java.sql.Date.valueOf(asOf)))
            .and(col("text").isNotNull()).and(length(trim(col("text"))).gt(0)))
        .select(
            col("event_id"), col("person_id"), col("event_date"), col("event_type"), col("channel"), col("text"),
            col("rating").isNotNull().as("rated"));
  }

  /**
   * Person sentiment at a snapshot over texts of the last {@code lookbackDays} days. Input: scored
   * texts (person_id, event_date, sentiment in [-1, 1]). Output: person_id, sentiment, n_texts,
   * n_negative.
   */
  public static Dataset<Row> personSentiment(Dataset<Row> scoredTexts, java.time.LocalDate snapshot, int lookbackDays) {
    java.sql.Date s = java.sql.Date.valueOf(snapshot);
    return scoredTexts
        .filter(col("person_id").isNotNull()
            .and(col("event_date").leq(lit(s)))
            .and(col("event_date").gt(date_sub(lit(s), lookbackDays))))
        .groupBy("person_id")
        .agg(avg("sentiment").as("sentiment"), count(lit(1)).as("n_texts"),
            count(when(col("sentiment").lt(0), lit(1))).as("n_negative"))
        .select("person_id", "sentiment", "n_texts", "n_negative");
  }

  /**
   * Silent unhappy: customers whose sentiment is at or below {@code threshold} and who made no
   * complaint in the look-back window. Input: personSentiment and the snapshot's features
   * (person_id, is_customer, complaints_90d). Output: person_id, sentiment, n_texts, n_negative.
   */
  public static Dataset<Row> silentUnhappy(Dataset<Row> personSentiment, Dataset<Row> features, double threshold) {
    FeatureTransforms.require(features, "gold.features", "person_id", "is_customer", "complaints_90d");
    return personSentiment
        .join(features.select("person_id", "is_customer", "complaints_90d"), FeatureTransforms.scala(java.util.List.of("person_id")), "inner")
        .filter(col("is_customer").equalTo(1.0)
            .and(col("complaints_90d").equalTo(0.0))
            .and(col("sentiment").leq(threshold)))
        .select("person_id", "sentiment", "n_texts", "n_negative");
  }
}
