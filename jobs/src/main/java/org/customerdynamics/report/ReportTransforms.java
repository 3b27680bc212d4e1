package org.customerdynamics.report;

import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;

import java.time.LocalDate;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.customerdynamics.common.CdxException;

/** Pure transforms behind the reporting tables: inputs in, a table's columns out. */
public final class ReportTransforms {
  private ReportTransforms() {}

  static void require(Dataset<Row> df, String what, String... columns) {
    List<String> have = Arrays.asList(df.columns());
    for (String c : columns) {
      if (!have.contains(c)) {
        throw new CdxException("Cannot build " + what + ": input lacks column '" + c + "' (has " + have + ")");
      }
    }
  }

  /**
   * Daily KPIs per day and channel plus an {@code all} row per day, for event dates in [from, to].
   *
   * @param interactions silver.interactions ({@code event_date, channel, event_type, person_id, amount})
   * @param firstSeen per person the first event date ({@code person_id, first_date})
   */
  public static Dataset<Row> dailyKpis(
      Dataset<Row> interactions, Dataset<Row> firstSeen, LocalDate from, LocalDate to) {
    require(interactions, "daily_kpis", "event_date", "channel", "event_type", "person_id", "amount");
    Column type = col("event_type");
    // One row per date, channel and person first (a date and channel's unresolved events in one row,
    // with no person): the per-channel and total figures are then sums and counts over those rows,
    // with no distinct counts over the events themselves.
    Dataset<Row> perPerson =
        interactions
            .filter(col("event_date").between(lit(java.sql.Date.valueOf(from)), lit(java.sql.Date.valueOf(to))))
            .groupBy(col("event_date"), col("channel"), col("person_id"))
            .agg(
                count(lit(1)).as("events"),
                sum(when(type.equalTo("purchase"), 1L).otherwise(0L)).as("purchases"),
                sum(when(type.equalTo("purchase"), col("amount"))).as("revenue"),
                sum(when(type.isin("support_contact", "complaint"), 1L).otherwise(0L)).as("support_contacts"),
                sum(when(type.equalTo("complaint"), 1L).otherwise(0L)).as("complaints"),
                sum(when(type.equalTo("email_open"), 1L).otherwise(0L)).as("email_opens"),
                sum(when(type.equalTo("email_click"), 1L).otherwise(0L)).as("email_clicks"),
                sum(when(type.equalTo("unsubscribe"), 1L).otherwise(0L)).as("unsubscribes"))
            .join(firstSeen, col("person_id").equalTo(firstSeen.col("fs_person_id")), "left_outer")
            .withColumn("is_new", col("first_date").equalTo(col("event_date")))
            .drop("fs_person_id", "first_date");
    Dataset<Row> perPersonAllChannels =
        perPerson
            .groupBy(col("event_date"), col("person_id"))
            .agg(
                sum("events").as("events"),
                sum("purchases").as("purchases"),
                sum("revenue").as("revenue"),
                sum("support_contacts").as("support_contacts"),
                sum("complaints").as("complaints"),
                sum("email_opens").as("email_opens"),
                sum("email_clicks").as("email_clicks"),
                sum("unsubscribes").as("unsubscribes"),
                max("is_new").as("is_new"));
    Dataset<Row> byChannel = kpis(perPerson, col("channel"));
    Dataset<Row> total = kpis(perPersonAllChannels, lit("all"));
    return byChannel.unionByName(total)
        .select(
            "kpi_date", "channel", "active_persons", "new_persons", "events", "purchases", "revenue",
            "conversion_rate", "support_contacts", "complaints", "email_opens", "email_clicks", "unsubscribes");
  }

  /** KPIs per date and channel from one row per date, person (null: the unresolved) and channel. */
  private static Dataset<Row> kpis(Dataset<Row> perPerson, Column channel) {
    Column person = col("person_id");
    return perPerson
        .groupBy(col("event_date").as("kpi_date"), channel.as("channel"))
        .agg(
            count(person).as("active_persons"),
            count(when(col("is_new"), person)).as("new_persons"),
            sum("events").cast("long").as("events"),
            sum("purchases").cast("long").as("purchases"),
            coalesce(sum("revenue"), lit(0.0)).as("revenue"),
            count(when(col("purchases").gt(0), person)).as("purchasers"),
            sum("support_contacts").cast("long").as("support_contacts"),
            sum("complaints").cast("long").as("complaints"),
            sum("email_opens").cast("long").as("email_opens"),
            sum("email_clicks").cast("long").as("email_clicks"),
            sum("unsubscribes").cast("long").as("unsubscribes"))
        .withColumn(
            "conversion_rate",
            when(col("active_persons").gt(0), col("purchasers").divide(col("active_persons"))).otherwise(0.0));
  }

  /**
   * Service performance per agent: contacts they handled, the share resolved, the satisfaction given,
   * and how many of the customers they served churned afterwards (cancelled after the contact, or no
   * activity in the {@code inactivityDays} before the run date).
   *
   * @param contacts support contacts and complaints with {@code agent_id, person_id, event_time,
   *     event_type, rating, outcome}
   * @param personStatus per person {@code st_person_id, last_seen, cancelled_at}
   */
  public static Dataset<Row> servicePerformance(
      Dataset<Row> contacts, Dataset<Row> personStatus, LocalDate runDate, int inactivityDays) {
    require(contacts, "service_performance", "agent_id", "person_id", "event_time", "event_type", "rating", "outcome");
    java.sql.Timestamp inactiveSince =
        java.sql.Timestamp.valueOf(runDate.plusDays(1).minusDays(inactivityDays).atStartOfDay());
    Dataset<Row> served =
        contacts
            .filter(col("agent_id").isNotNull())
            .join(personStatus, contacts.col("person_id").equalTo(personStatus.col("st_person_id")), "left_outer")
            .withColumn(
                "churned_later",
                col("person_id").isNotNull()
                    .and(
                        col("cancelled_at").gt(col("event_time"))
                            .or(col("last_seen").lt(lit(inactiveSince)))));
    return served
        .groupBy("agent_id")
        .agg(
            count(lit(1)).as("contacts"),
            countDistinct("person_id").as("customers"),
            sum(when(col("outcome").equalTo("resolved"), 1).otherwise(0)).cast("long").as("resolved"),
            avg(col("rating")).as("avg_satisfaction"),
            sum(when(col("event_type").equalTo("complaint"), 1).otherwise(0)).cast("long").as("complaints"),
            countDistinct(when(col("churned_later"), col("person_id"))).as("customers_churned_later"))
        .select(
            col("agent_id"),
            col("contacts"),
            col("customers"),
            col("resolved"),
            col("resolved").divide(col("contacts")).as("resolution_rate"),
            col("avg_satisfaction"),
            col("complaints"),
            col("customers_churned_later"),
            when(col("customers").gt(0), col("customers_churned_later").divide(col("customers"))).as("later_churn_rate"));
  }

  /**
   * Feedback by month, category and product: rated feedback and its ratings, texts and their model
   * sentiment, complaints.
   *
   * @param interactions {@code event_id, event_date, event_type, category, product_id, rating, text}
   * @param textSentiment {@code ts_event_id, sentiment} (may be empty)
   */
  public static Dataset<Row> feedbackInsights(Dataset<Row> interactions, Dataset<Row> textSentiment) {
    require(interactions, "feedback_insights", "event_id", "event_date", "event_type", "category", "product_id", "rating", "text");
    Column type = col("event_type");
    Dataset<Row> feedback =
        interactions
            .filter(type.isin("review", "survey", "feedback", "complaint", "social_post", "support_contact")
                .and(col("rating").isNotNull().or(col("text").isNotNull())))
            .join(textSentiment, interactions.col("event_id").equalTo(textSentiment.col("ts_event_id")), "left_outer");
    return feedback
        .groupBy(
            date_format(col("event_date"), "yyyy-MM").as("period"),
            coalesce(col("category"), lit("(none)")).as("category"),
            coalesce(col("product_id"), lit("(none)")).as("product_id"))
        .agg(
            count(col("rating")).as("feedback"),
            avg(col("rating")).as("avg_rating"),
            sum(when(col("rating").leq(2), 1).otherwise(0)).cast("long").as("low_ratings"),
            count(col("text")).as("texts"),
            avg(col("sentiment")).as("avg_sentiment"),
            avg(when(col("sentiment").isNotNull(), when(col("sentiment").lt(-0.2), 1.0).otherwise(0.0))).as("negative_share"),
            sum(when(type.equalTo("complaint"), 1).otherwise(0)).cast("long").as("complaints"))
        .select(
            "period", "category", "product_id", "feedback", "avg_rating", "low_ratings", "texts",
            "avg_sentiment", "negative_share", "complaints");
  }

  /** Per person: first event date, last event time, and first cancellation time. */
  public static Dataset<Row> personStatus(Dataset<Row> interactions) {
    return interactions
        .filter(col("person_id").isNotNull())
        .groupBy(col("person_id").as("st_person_id"))
        .agg(
            min("event_date").as("first_date"),
            max("event_time").as("last_seen"),
            min(when(col("event_type").equalTo("subscription_cancel"), col("event_time"))).as("cancelled_at"));
  }
}
