package org.customerdynamics.ml;

import static org.apache.spark.sql.functions.*;

import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/** Segment profiles, the untapped score and look-alike scores: built-ins only. */
public final class SegmentTransforms {
  private SegmentTransforms() {}

  /** Clustering inputs (log1p-compressed except the shares and flags). */
  public static final List<String> CLUSTER_FEATURES =
      List.of(
          "events_28d", "active_days_28d", "sessions_28d", "channels_28d", "page_views_28d", "searches_28d",
          "add_to_cart_28d", "email_opens_28d", "email_clicks_28d", "purchases_90d", "monetary_90d",
          "conversion_90d", "is_customer", "loyalty_member", "social_actions_28d", "support_contacts_90d");

  /**
   * Derived clustering input: the share of customers among the persons whose top category is the
   * person's (computed over the snapshot being clustered or scored). Low for an interest the
   * business has not converted: the defining trait of an untapped market, which activity counts
   * alone blur (the least active members of an engaged niche look like ordinary prospects).
   */
  public static final String CATEGORY_CUSTOMER_SHARE = "category_customer_share";

  /** Clustering inputs already in [0, 1], used as they are (the others are log1p-compressed). */
  static final java.util.Set<String> SHARES =
      java.util.Set.of("conversion_90d", "is_customer", "loyalty_member", CATEGORY_CUSTOMER_SHARE);

  /** The SQL expression of {@link #CATEGORY_CUSTOMER_SHARE} (persons without a category form one group). */
  static String categoryCustomerShareSql() {
    return "avg(is_customer) OVER (PARTITION BY coalesce(top_category, '')) AS " + CATEGORY_CUSTOMER_SHARE;
  }

  /** The gold.features columns the segment model reads. */
  public static List<String> inputs() {
    List<String> in = new ArrayList<>(CLUSTER_FEATURES);
    in.add("top_category");
    return List.copyOf(in);
  }

  /** Behaviour (no purchase or customer status) compared in look-alike scoring. */
  public static final List<String> LOOKALIKE_FEATURES =
      List.of(
          "events_28d", "active_days_28d", "sessions_28d", "channels_28d", "page_views_28d", "searches_28d",
          "add_to_cart_28d", "email_opens_28d", "email_clicks_28d", "social_actions_28d", "events_28d_web",
          "events_28d_mobile_app", "events_28d_email", "events_28d_social");

  private static Column interest() {
    return col("page_views_28d").plus(col("searches_28d")).plus(col("add_to_cart_28d")).plus(col("email_clicks_28d"));
  }

  /**
   * Profiles of segments. Input: features with {@code segment_id}. Output per segment: segment_id,
   * size, share, customer_share, avg_events_28d, avg_interest_28d, avg_conversion_90d,
   * avg_monetary_90d, engagement_index (segment engagement or interest over the population's,
   * whichever is higher), conversion_index (conversion or customer share over the population's,
   * whichever is lower), untapped_score = engagement_index × max(0, 1 − conversion_index),
   * untapped (engagement_index ≥ minEngagement and conversion_index ≤ maxConversion), top_categories.
   */
  public static Dataset<Row> profiles(Dataset<Row> assigned, double minEngagement, double maxConversion) {
    FeatureTransforms.require(assigned, "segment assignment", "segment_id", "person_id", "events_28d", "is_customer",
        "conversion_90d", "monetary_90d", "top_category");
    Dataset<Row> withInterest = assigned.withColumn("interest_28d", interest());
    Dataset<Row> global =
        withInterest.agg(
            count(lit(1)).as("g_n"), avg("events_28d").as("g_events"), avg("interest_28d").as("g_interest"),
            avg("conversion_90d").as("g_conversion"), avg("is_customer").as("g_customers"));
    Dataset<Row> seg =
        withInterest.groupBy("segment_id")
            .agg(
                count(lit(1)).as("size"), avg("is_customer").as("customer_share"),
                avg("events_28d").as("avg_events_28d"), avg("interest_28d").as("avg_interest_28d"),
                avg("conversion_90d").as("avg_conversion_90d"), avg("monetary_90d").as("avg_monetary_90d"));
    Dataset<Row> categories =
        assigned.filter(col("top_category").isNotNull())
            .groupBy("segment_id", "top_category").agg(count(lit(1)).as("n"))
            .groupBy("segment_id")
            .agg(sort_array(collect_list(struct(col("n"), col("top_category"))), false).as("c"))
            .select(col("segment_id"), transform(slice(col("c"), 1, 3), s -> s.getField("top_category")).as("top_categories"));
    Column engagementIndex =
        greatest(
            col("avg_events_28d").divide(greatest(col("g_events"), lit(1e-9))),
            col("avg_interest_28d").divide(greatest(col("g_interest"), lit(1e-9))));
    Column conversionIndex =
        least(
            col("avg_conversion_90d").divide(greatest(col("g_conversion"), lit(1e-9))),
            col("customer_share").divide(greatest(col("g_customers"), lit(1e-9))));
    return seg.crossJoin(global)
        .join(categories, FeatureTransforms.scala(List.of("segment_id")), "left")
        .withColumn("engagement_index", engagementIndex)
        .withColumn("conversion_index", conversionIndex)
        .select(
            col("segment_id").cast("int").as("segment_id"),
            col("size"),
            col("size").divide(col("g_n")).as("share"),
            col("customer_share"),
            col("avg_events_28d"),
            col("avg_interest_28d"),
            col("avg_conversion_90d"),
            col("avg_monetary_90d"),
            col("engagement_index"),
            col("conversion_index"),
            col("engagement_index").multiply(greatest(lit(0.0), lit(1.0).minus(col("conversion_index")))).as("untapped_score"),
            col("engagement_index").geq(minEngagement).and(col("conversion_index").leq(maxConversion)).as("untapped"),
            coalesce(col("top_categories"), array().cast("array<string>")).as("top_categories"));
  }

  /**
   * Look-alike score in [-1, 1]: cosine similarity of a person's standardised behaviour (log1p of
   * {@link #LOOKALIKE_FEATURES}) to the centroid of high-value customers (the top {@code
   * highValueShare} of customers by 90-day value). Output: person_id, lookalike_score.
   */
  public static Dataset<Row> lookalike(Dataset<Row> features, double highValueShare) {
    FeatureTransforms.require(features, "gold.features", "person_id", "is_customer", "monetary_90d");
    List<Column> logs = new ArrayList<>(List.of(col("person_id"), col("is_customer"), col("monetary_90d")));
    List<Column> stats = new ArrayList<>();
    for (String f : LOOKALIKE_FEATURES) {
      logs.add(log1p(col(f)).as("l_" + f));
      stats.add(avg("l_" + f).as("m_" + f));
      stats.add(stddev_pop("l_" + f).as("s_" + f));
    }
    Dataset<Row> logged = features.select(logs.toArray(new Column[0]));
    Dataset<Row> moments = logged.agg(stats.get(0), stats.subList(1, stats.size()).toArray(new Column[0]));
    List<Column> zs = new ArrayList<>(List.of(col("person_id"), col("is_customer"), col("monetary_90d")));
    for (String f : LOOKALIKE_FEATURES) {
      zs.add(when(col("s_" + f).gt(0), col("l_" + f).minus(col("m_" + f)).divide(col("s_" + f))).otherwise(lit(0.0)).as("z_" + f));
    }
    Dataset<Row> z = logged.crossJoin(moments).select(zs.toArray(new Column[0]));
    Dataset<Row> customers =
        z.filter(col("is_customer").equalTo(1.0))
            .withColumn("rank", percent_rank().over(Window.orderBy(col("monetary_90d"), col("person_id"))));
    List<Column> centroid = new ArrayList<>();
    for (String f : LOOKALIKE_FEATURES) {
      centroid.add(avg("z_" + f).as("c_" + f));
    }
    Dataset<Row> c =
        customers.filter(col("rank").geq(1 - highValueShare).and(col("monetary_90d").gt(0)))
            .agg(centroid.get(0), centroid.subList(1, centroid.size()).toArray(new Column[0]));
    Column dot = lit(0.0);
    Column nz = lit(0.0);
    Column nc = lit(0.0);
    for (String f : LOOKALIKE_FEATURES) {
      dot = dot.plus(col("z_" + f).multiply(coalesce(col("c_" + f), lit(0.0))));
      nz = nz.plus(pow(col("z_" + f), 2));
      nc = nc.plus(pow(coalesce(col("c_" + f), lit(0.0)), 2));
    }
    return z.crossJoin(c)
        .select(
            col("person_id"),
            when(nz.gt(0).and(nc.gt(0)), dot.divide(sqrt(nz).multiply(sqrt(nc)))).otherwise(lit(0.0)).as("lookalike_score"));
  }
}
