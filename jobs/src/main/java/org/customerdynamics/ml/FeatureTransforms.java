package org.customerdynamics.ml;

import static org.apache.spark.sql.functions.*;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.customerdynamics.common.CdxException;

/**
 * Point-in-time feature snapshots: one row per person and snapshot date S, computed only from events
 * with {@code event_date <= S} (nothing after S leaks in), over a look-back window ending at S.
 *
 * <p>Counts grow with the history a person has; the {@code *_rate_*} and {@code *_share_*} features
 * divide by the days the person has been observed in the window ({@code min(tenure_days + 1,
 * window)}), so that a snapshot with a short history (a new customer, or the first weeks of data)
 * reads like one with a long history. {@code engagement_trend} (log ratio of the recent daily event
 * rate to the person's own baseline rate earlier in the window) and {@code activity_drift} (share of
 * active days recently minus the share before) compare a person with themselves; both are 0 when
 * the person has no baseline yet.
 */
public final class FeatureTransforms {
  private FeatureTransforms() {}

  public static final List<String> CHANNELS =
      List.of("web", "mobile_app", "store", "kiosk", "call_center", "chat", "email", "social", "iot");

  /** Event types that count as a person's own activity for churn labels. */
  static final List<String> SOCIAL_TYPES = List.of("social_post", "mention", "reply", "share", "referral", "follow");

  /** The numeric feature columns of {@code gold.features}, in order (model inputs pick from these). */
  public static final List<String> NUMERIC = numeric();

  private static List<String> numeric() {
    List<String> f = new ArrayList<>(
        List.of(
            "recency_days", "tenure_days", "events_7d", "events_28d", "events_90d", "active_days_7d",
            "active_days_28d", "sessions_28d", "channels_28d", "engagement_trend", "activity_drift",
            "event_rate_28d", "active_share_28d", "session_rate_28d", "purchase_rate_28d", "support_rate_28d",
            "complaint_rate_28d", "negative_text_rate_28d", "low_rating_rate_90d"));
    for (String ch : CHANNELS) {
      f.add("events_28d_" + ch);
    }
    f.addAll(
        List.of(
            "purchases_28d", "purchases_90d", "monetary_28d", "monetary_90d", "returns_90d",
            "conversion_90d", "page_views_28d", "searches_28d", "add_to_cart_28d", "email_opens_28d",
            "email_clicks_28d", "support_contacts_28d", "support_contacts_90d", "complaints_28d",
            "complaints_90d", "ratings_90d", "avg_rating_90d", "low_ratings_90d", "loyalty_member",
            "points_redeemed_90d", "social_actions_28d", "is_customer", "cancelled", "unsubscribed",
            "texts_28d", "text_sentiment_28d", "negative_texts_28d", "degree", "influence",
            "community_churn_rate", "churned_neighbour_share"));
    return List.copyOf(f);
  }

  static final List<String> GRAPH = List.of("degree", "influence", "community_churn_rate", "churned_neighbour_share");

  /** The columns of {@code gold.features}: key, numeric features, then descriptive columns. */
  public static List<String> columns() {
    List<String> c = new ArrayList<>(List.of("snapshot_date", "person_id"));
    c.addAll(NUMERIC);
    c.add("top_category");
    return c;
  }

  /**
   * Activity features per person and snapshot.
   *
   * @param interactions silver.interactions (person_id, event_date, channel, event_type, amount,
   *     category, rating, customer_key, loyalty_key, session_id)
   * @param snapshotDates one column {@code snapshot_date} (date), one row per snapshot
   * @param textSentiment per-text sentiment (person_id, event_date, sentiment in [-1, 1]), possibly empty
   * @param graph graph features per person (person_id, degree, influence, community_churn_rate,
   *     churned_neighbour_share) or null when the social job has not run
   */
  public static Dataset<Row> snapshots(
      Dataset<Row> interactions,
      Dataset<Row> snapshotDates,
      Dataset<Row> textSentiment,
      Dataset<Row> graph,
      int lookbackDays,
      int recentDays,
      int windowDays) {
    require(interactions, "silver.interactions", "person_id", "event_date", "channel", "event_type",
        "amount", "category", "rating", "customer_key", "loyalty_key", "session_id");
    require(snapshotDates, "snapshot dates", "snapshot_date");
    Dataset<Row> e =
        interactions
            .filter(col("person_id").isNotNull())
            .join(
                snapshotDates,
                col("event_date").leq(col("snapshot_date"))
                    .and(col("event_date").gt(date_sub(col("snapshot_date"), lookbackDays))),
                "inner")
            .withColumn("age", datediff(col("snapshot_date"), col("event_date")));
    Column recent = col("age").lt(recentDays);
    Column window = col("age").lt(windowDays);
    Column purchase = col("event_type").equalTo("purchase");
    List<Column> aggs = new ArrayList<>();
    aggs.add(min("age").cast("double").as("recency_days"));
    aggs.add(max("age").cast("double").as("tenure_days"));
    aggs.add(cnt(recent).as("events_7d"));
    aggs.add(cnt(window).as("events_28d"));
    aggs.add(cnt(lit(true)).cast("double").as("events_90d"));
    aggs.add(size(collect_set(when(recent, col("event_date")))).cast("double").as("active_days_7d"));
    aggs.add(size(collect_set(when(window, col("event_date")))).cast("double").as("active_days_28d"));
    aggs.add(size(collect_set(when(window, col("session_id")))).cast("double").as("sessions_28d"));
    aggs.add(size(collect_set(when(window, col("channel")))).cast("double").as("channels_28d"));
    for (String ch : CHANNELS) {
      aggs.add(cnt(window.and(col("channel").equalTo(ch))).as("events_28d_" + ch));
    }
    aggs.add(cnt(window.and(purchase)).as("purchases_28d"));
    aggs.add(cnt(purchase).as("purchases_90d"));
    aggs.add(sum(when(window.and(purchase), coalesce(col("amount"), lit(0.0)))).as("monetary_28d"));
    aggs.add(sum(when(purchase, coalesce(col("amount"), lit(0.0)))).as("monetary_90d"));
    aggs.add(cnt(col("event_type").equalTo("return")).as("returns_90d"));
    aggs.add(cnt(col("event_type").equalTo("page_view")).as("page_views_90d"));
    aggs.add(cnt(window.and(col("event_type").equalTo("page_view"))).as("page_views_28d"));
    aggs.add(cnt(window.and(col("event_type").equalTo("search"))).as("searches_28d"));
    aggs.add(cnt(window.and(col("event_type").equalTo("add_to_cart"))).as("add_to_cart_28d"));
    aggs.add(cnt(window.and(col("event_type").equalTo("email_open"))).as("email_opens_28d"));
    aggs.add(cnt(window.and(col("event_type").equalTo("email_click"))).as("email_clicks_28d"));
    Column support = col("event_type").isin("support_contact", "complaint");
    aggs.add(cnt(window.and(support)).as("support_contacts_28d"));
    aggs.add(cnt(support).as("support_contacts_90d"));
    aggs.add(cnt(window.and(col("event_type").equalTo("complaint"))).as("complaints_28d"));
    aggs.add(cnt(col("event_type").equalTo("complaint")).as("complaints_90d"));
    aggs.add(cnt(col("rating").isNotNull()).as("ratings_90d"));
    aggs.add(avg(col("rating").cast("double")).as("avg_rating_raw"));
    aggs.add(cnt(col("rating").leq(2)).as("low_ratings_90d"));
    aggs.add(max(when(col("event_type").equalTo("loyalty_enroll").or(col("loyalty_key").isNotNull()), 1.0).otherwise(0.0)).as("loyalty_member"));
    aggs.add(cnt(col("event_type").equalTo("points_redeemed")).as("points_redeemed_90d"));
    aggs.add(cnt(window.and(col("event_type").isin(SOCIAL_TYPES.toArray()))).as("social_actions_28d"));
    aggs.add(max(when(col("customer_key").isNotNull(), 1.0).otherwise(0.0)).as("is_customer"));
    aggs.add(max(when(col("event_type").equalTo("subscription_cancel"), 1.0).otherwise(0.0)).as("cancelled"));
    aggs.add(max(when(col("event_type").equalTo("unsubscribe"), 1.0).otherwise(0.0)).as("unsubscribed"));

    Dataset<Row> activity =
        e.groupBy("snapshot_date", "person_id")
            .agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0]));

    Dataset<Row> topCategory =
        e.filter(col("category").isNotNull())
            .groupBy("snapshot_date", "person_id", "category")
            .agg(count(lit(1)).as("n"))
            .groupBy("snapshot_date", "person_id")
            .agg(max_by(col("category"), struct(col("n"), col("category"))).as("top_category"));

    require(textSentiment, "text sentiment", "person_id", "event_date", "sentiment");
    Dataset<Row> texts =
        textSentiment
            .join(
                snapshotDates,
                col("event_date").leq(col("snapshot_date"))
                    .and(col("event_date").gt(date_sub(col("snapshot_date"), windowDays))),
                "inner")
            .groupBy("snapshot_date", "person_id")
            .agg(
                count(lit(1)).cast("double").as("texts_28d"),
                avg("sentiment").as("text_sentiment_28d"),
                cnt(col("sentiment").lt(0)).as("negative_texts_28d"));

    Dataset<Row> out =
        activity
            .join(topCategory, joinKeys(), "left")
            .join(texts, joinKeys(), "left");
    if (graph != null) {
      require(graph, "gold.graph_features", GRAPH.toArray(new String[0]));
      out = out.join(graphAsOf(graph, snapshotDates), joinKeys(), "left");
    } else {
      for (String g : GRAPH) {
        out = out.withColumn(g, lit(0.0));
      }
    }
    Column observed = least(col("tenure_days").plus(1), lit((double) windowDays));
    Column observedLookback = least(col("tenure_days").plus(1), lit((double) lookbackDays));
    Column recentSpan = least(observed, lit((double) recentDays));
    Column baselineSpan = observed.minus(recentDays);
    Column hasBaseline = baselineSpan.gt(0);
    Column trend =
        when(
                hasBaseline,
                log(
                    col("events_7d").divide(recentSpan).plus(0.1)
                        .divide(col("events_28d").minus(col("events_7d")).divide(baselineSpan).plus(0.1))))
            .otherwise(lit(0.0));
    Column drift =
        when(
                hasBaseline,
                col("active_days_7d").divide(recentSpan)
                    .minus(col("active_days_28d").minus(col("active_days_7d")).divide(baselineSpan)))
            .otherwise(lit(0.0));
    List<Column> select = new ArrayList<>(List.of(col("snapshot_date"), col("person_id")));
    for (String f : NUMERIC) {
      Column c =
          switch (f) {
            case "engagement_trend" -> trend;
            case "activity_drift" -> drift;
            case "event_rate_28d" -> count0("events_28d").divide(observed);
            case "active_share_28d" -> count0("active_days_28d").divide(observed);
            case "session_rate_28d" -> count0("sessions_28d").divide(observed);
            case "purchase_rate_28d" -> count0("purchases_28d").divide(observed);
            case "support_rate_28d" -> count0("support_contacts_28d").divide(observed);
            case "complaint_rate_28d" -> count0("complaints_28d").divide(observed);
            case "negative_text_rate_28d" -> count0("negative_texts_28d").divide(observed);
            case "low_rating_rate_90d" -> count0("low_ratings_90d").divide(observedLookback);
            case "conversion_90d" -> col("purchases_90d").divide(col("page_views_90d").plus(col("purchases_90d")).plus(1.0));
            case "avg_rating_90d" -> coalesce(col("avg_rating_raw"), lit(3.0));
            default -> coalesce(col(f).cast("double"), lit(0.0));
          };
      select.add(c.cast("double").as(f));
    }
    select.add(col("top_category"));
    return out.select(select.toArray(new Column[0]));
  }

  private static Column count0(String name) {
    return coalesce(col(name).cast("double"), lit(0.0));
  }

  /** Counts rows matching a condition (null when false). */
  private static Column cnt(Column condition) {
    return count(when(condition, lit(1))).cast("double");
  }

  /**
   * Graph features as of each snapshot: when the graph table is dated ({@code snapshot_date}, or
   * {@code run_date} as the social job writes it), the latest graph on or before S, so a snapshot
   * never sees churn observed after it; an undated table is used as it is.
   */
  private static Dataset<Row> graphAsOf(Dataset<Row> graph, Dataset<Row> snapshotDates) {
    List<Column> values = new ArrayList<>();
    for (String g : GRAPH) {
      values.add(col(g).cast("double").as(g));
    }
    List<String> have = Arrays.asList(graph.columns());
    Column graphDate =
        have.contains("snapshot_date") ? col("snapshot_date").cast("date")
            : have.contains("run_date") ? col("run_date").cast("date")
            : lit(null).cast("date");
    Dataset<Row> g = graph.select(
        col("person_id"),
        graphDate.as("graph_date"),
        struct(values.toArray(new Column[0])).as("v"));
    Dataset<Row> joined =
        g.join(snapshotDates, col("graph_date").isNull().or(col("graph_date").leq(col("snapshot_date"))), "inner")
            .groupBy("snapshot_date", "person_id")
            .agg(max_by(col("v"), coalesce(col("graph_date"), lit("1970-01-01").cast("date"))).as("v"));
    List<Column> out = new ArrayList<>(List.of(col("snapshot_date"), col("person_id")));
    for (String name : GRAPH) {
      out.add(col("v").getField(name).as(name));
    }
    return joined.select(out.toArray(new Column[0]));
  }

  private static scala.collection.immutable.Seq<String> joinKeys() {
    return scala(List.of("snapshot_date", "person_id"));
  }

  static scala.collection.immutable.Seq<String> scala(List<String> names) {
    return scala.jdk.javaapi.CollectionConverters.asScala(names).toList();
  }

  /** Fails with the missing column named when {@code data} lacks one of {@code columns}. */
  public static void require(Dataset<Row> data, String what, String... columns) {
    List<String> have = Arrays.asList(data.columns());
    for (String c : columns) {
      if (!have.contains(c)) {
        throw new CdxException(
            "Cannot compute features: " + what + " has no column '" + c + "'; it has " + have);
      }
    }
  }
}
