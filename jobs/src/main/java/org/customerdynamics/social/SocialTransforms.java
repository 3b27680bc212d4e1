package org.customerdynamics.social;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.ceil;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.explode_outer;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.hll_sketch_agg;
import static org.apache.spark.sql.functions.hll_sketch_estimate;
import static org.apache.spark.sql.functions.hll_union_agg;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.min_by;
import static org.apache.spark.sql.functions.percent_rank;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.unix_timestamp;
import static org.apache.spark.sql.functions.when;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.functions;
import org.customerdynamics.common.CdxException;

/**
 * Pure transforms of the social graph job: {@code Dataset -> Dataset}, no I/O, parameters passed in.
 * Each checks the columns it needs and ends with an explicit select (its output contract). The
 * iterative algorithms live in {@link PageRank} and {@link Communities}.
 */
public final class SocialTransforms {
  /** The columns of silver.interactions this job reads. */
  public static final List<String> INTERACTION_COLUMNS =
      List.of(
          "event_id",
          "event_time",
          "event_date",
          "event_type",
          "person_id",
          "actor_key",
          "customer_key",
          "counterpart_customer_key",
          "counterpart_email_key",
          "counterpart_social_key",
          "product_id",
          "category",
          "rating");

  private SocialTransforms() {}

  /** Throws "Cannot build the social graph: ..." naming the missing columns. */
  public static void requireColumns(Dataset<Row> data, String what, String... columns) {
    Set<String> present = Set.of(data.columns());
    List<String> missing = new ArrayList<>();
    for (String c : columns) {
      if (!present.contains(c)) {
        missing.add(c);
      }
    }
    if (!missing.isEmpty()) {
      throw new CdxException(
          "Cannot build the social graph: "
              + what
              + " lacks column(s) "
              + missing
              + " (has "
              + Arrays.toString(data.columns())
              + "); rebuild it with the current job version");
    }
  }

  /** The first instant after the run date (UTC): the window ends just before it. */
  static Instant windowEnd(LocalDate runDate) {
    return runDate.plusDays(1).atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  /** Interactions up to the end of the run date (events after it are excluded). */
  static Dataset<Row> upTo(Dataset<Row> interactions, LocalDate runDate) {
    return interactions
        .where(col("event_date").leq(lit(runDate)))
        .where(col("event_time").lt(lit(windowEnd(runDate))));
  }

  /**
   * Person-to-person events of the window, with both ends resolved to persons.
   *
   * <p>The actor is the event's stamped {@code person_id}, or else its {@code actor_key} looked up in
   * the identity map. The counterpart is the first of {@code so:<counterpart_social_key>}, {@code
   * em:<counterpart_email_key>}, {@code cu:<counterpart_customer_key>} found in the identity map, so a
   * handle and an e-mail of the same person are one node. The edge runs from the actor to the
   * counterpart, or the other way for the reversed types (a referral: the referred endorses the
   * referrer).
   *
   * @param interactions silver.interactions
   * @param identityMap silver.identity_map ({@code identifier}, {@code person_id})
   * @param runDate last day of the window (inclusive)
   * @param windowDays days in the window
   * @param eventTypes the person-to-person event types
   * @param reversedTypes the types whose edge runs from counterpart to actor
   * @return {@code event_id}, {@code event_type}, {@code event_time}, {@code actor_person_id}, {@code
   *     counterpart_person_id} (null when unresolved), {@code has_counterpart} (whether the event
   *     names any counterpart identifier), {@code src_person_id}, {@code dst_person_id}
   */
  public static Dataset<Row> socialEvents(
      Dataset<Row> interactions,
      Dataset<Row> identityMap,
      LocalDate runDate,
      int windowDays,
      Collection<String> eventTypes,
      Collection<String> reversedTypes) {
    requireColumns(
        interactions,
        "silver.interactions",
        "event_id",
        "event_time",
        "event_date",
        "event_type",
        "person_id",
        "actor_key",
        "counterpart_customer_key",
        "counterpart_email_key",
        "counterpart_social_key");
    requireColumns(identityMap, "silver.identity_map", "identifier", "person_id");
    LocalDate first = runDate.minusDays(windowDays - 1L);
    Dataset<Row> events =
        upTo(interactions, runDate)
            .where(col("event_date").geq(lit(first)))
            .where(col("event_type").isin(eventTypes.toArray()));
    Column candidates =
        filter(
            array(
                candidate("actor", 0, col("actor_key")),
                candidate("counterpart", 1, prefixed("so", "counterpart_social_key")),
                candidate("counterpart", 2, prefixed("em", "counterpart_email_key")),
                candidate("counterpart", 3, prefixed("cu", "counterpart_customer_key"))),
            c -> c.getField("identifier").isNotNull());
    Dataset<Row> map =
        identityMap
            .where(col("identifier").isNotNull().and(col("person_id").isNotNull()))
            .groupBy(col("identifier").as("map_identifier"))
            .agg(min("person_id").as("map_person_id"));
    Dataset<Row> exploded =
        events
            .select(
                col("event_id"),
                col("event_type"),
                col("event_time"),
                col("person_id"),
                explode_outer(candidates).as("c"))
            .select(
                col("event_id"),
                col("event_type"),
                col("event_time"),
                col("person_id"),
                col("c.role").as("role"),
                col("c.priority").as("priority"),
                col("c.identifier").as("identifier"));
    Column isCounterpart = col("role").equalTo(lit("counterpart"));
    Column resolved = col("map_person_id").isNotNull();
    Dataset<Row> perEvent =
        exploded
            .join(map, exploded.col("identifier").equalTo(map.col("map_identifier")), "left_outer")
            .groupBy("event_id", "event_type", "event_time", "person_id")
            .agg(
                min_by(
                        col("map_person_id"),
                        when(col("role").equalTo(lit("actor")).and(resolved), col("priority")))
                    .as("actor_lookup"),
                min_by(col("map_person_id"), when(isCounterpart.and(resolved), col("priority")))
                    .as("counterpart_person_id"),
                max(isCounterpart).as("has_counterpart"));
    Column actor = coalesce(col("person_id"), col("actor_lookup"));
    Column reversed = col("event_type").isin(reversedTypes.toArray());
    return perEvent.select(
        col("event_id"),
        col("event_type"),
        col("event_time"),
        actor.as("actor_person_id"),
        col("counterpart_person_id"),
        coalesce(col("has_counterpart"), lit(false)).as("has_counterpart"),
        when(reversed, col("counterpart_person_id")).otherwise(actor).as("src_person_id"),
        when(reversed, actor).otherwise(col("counterpart_person_id")).as("dst_person_id"));
  }

  private static Column candidate(String role, int priority, Column identifier) {
    return struct(
        lit(role).as("role"), lit(priority).as("priority"), identifier.as("identifier"));
  }

  private static Column prefixed(String type, String keyColumn) {
    return when(col(keyColumn).isNotNull().and(col(keyColumn).notEqual(lit(""))),
        concat(lit(type + ":"), col(keyColumn)));
  }

  /**
   * Directed, weighted, time-decayed person-to-person edges (gold.social_edges). An event weighs its
   * type's weight times {@code 0.5^(age_days / halfLifeDays)}, its age measured to the end of the run
   * date; unresolved events and self-loops make no edge.
   *
   * @param events output of {@link #socialEvents}
   * @param eventWeights weight per event type
   * @return {@code run_date}, {@code src_person_id}, {@code dst_person_id}, {@code weight}, {@code
   *     events}, {@code mentions}, {@code replies}, {@code shares}, {@code referrals}, {@code follows},
   *     {@code first_event_time}, {@code last_event_time}
   */
  public static Dataset<Row> socialEdges(
      Dataset<Row> events, LocalDate runDate, double halfLifeDays, Map<String, Double> eventWeights) {
    requireColumns(
        events, "social events", "event_type", "event_time", "src_person_id", "dst_person_id");
    List<Column> entries = new ArrayList<>();
    new TreeMap<>(eventWeights)
        .forEach(
            (type, weight) -> {
              entries.add(lit(type));
              entries.add(lit(weight));
            });
    Column typeWeight = element_at(functions.map(entries.toArray(new Column[0])), col("event_type"));
    Column ageDays =
        lit(windowEnd(runDate).getEpochSecond())
            .minus(unix_timestamp(col("event_time")))
            .divide(lit(86400.0));
    Column decayed = typeWeight.multiply(pow(lit(0.5), ageDays.divide(lit(halfLifeDays))));
    return events
        .where(col("src_person_id").isNotNull().and(col("dst_person_id").isNotNull()))
        .where(col("src_person_id").notEqual(col("dst_person_id")))
        .where(typeWeight.isNotNull())
        .groupBy("src_person_id", "dst_person_id")
        .agg(
            sum(decayed).as("weight"),
            count(lit(1)).as("events"),
            typeCount("mention").as("mentions"),
            typeCount("reply").as("replies"),
            typeCount("share").as("shares"),
            typeCount("referral").as("referrals"),
            typeCount("follow").as("follows"),
            min("event_time").as("first_event_time"),
            max("event_time").as("last_event_time"))
        .select(
            lit(runDate).as("run_date"),
            col("src_person_id"),
            col("dst_person_id"),
            round(col("weight"), 12).as("weight"),
            col("events"),
            col("mentions"),
            col("replies"),
            col("shares"),
            col("referrals"),
            col("follows"),
            col("first_event_time"),
            col("last_event_time"));
  }

  private static Column typeCount(String type) {
    return sum(when(col("event_type").equalTo(lit(type)), lit(1L)).otherwise(lit(0L)));
  }

  /** Edges in the generic algorithm form {@code src}, {@code dst}, {@code weight}. */
  public static Dataset<Row> algorithmEdges(Dataset<Row> socialEdges) {
    requireColumns(socialEdges, "gold.social_edges", "src_person_id", "dst_person_id", "weight");
    return socialEdges.select(
        col("src_person_id").as("src"), col("dst_person_id").as("dst"), col("weight"));
  }

  /**
   * Number of two-hop paths {@code x -> w -> v}: {@code Σ_w in(w) * out(w)}, the size of the exact
   * reach join; one row, column {@code paths}.
   */
  public static Dataset<Row> twoHopPaths(Dataset<Row> edges) {
    requireColumns(edges, "reach input", "src", "dst");
    Dataset<Row> in = edges.groupBy(col("dst").as("w")).agg(count(lit(1)).as("in_degree"));
    Dataset<Row> out = edges.groupBy(col("src").as("w")).agg(count(lit(1)).as("out_degree"));
    return in.join(out, new String[] {"w"}, "inner")
        .agg(coalesce(sum(col("in_degree").multiply(col("out_degree"))), lit(0L)).as("paths"))
        .select("paths");
  }

  /**
   * Exact two-hop reach: for each person, the distinct other people whose attention reaches them
   * within two hops ({@code x -> v} or {@code x -> w -> v}), i.e. their audience and their audience's
   * audience.
   *
   * @param edges {@code src}, {@code dst}
   * @return {@code id}, {@code reach_2hop} (persons without an audience are absent)
   */
  public static Dataset<Row> reachExact(Dataset<Row> edges) {
    requireColumns(edges, "reach input", "src", "dst");
    Dataset<Row> one = edges.select(col("dst").as("id"), col("src").as("reached"));
    Dataset<Row> hop2 = edges.select(col("src").as("x"), col("dst").as("w"));
    Dataset<Row> two =
        one.join(hop2, one.col("reached").equalTo(hop2.col("w")), "inner")
            .select(col("id"), col("x").as("reached"));
    return one.union(two)
        .where(col("reached").notEqual(col("id")))
        .groupBy("id")
        .agg(countDistinct("reached").as("reach_2hop"))
        .select(col("id"), col("reach_2hop"));
  }

  /**
   * Two-hop reach estimated with HyperLogLog sketches (for graphs where the exact join is too
   * large): each audience member's sketch holds them and their own audience; a person's reach is the
   * union of their audience's sketches, less one when the person is in it (a reciprocal edge).
   *
   * @param edges {@code src}, {@code dst}
   * @param lgConfigK log2 of the sketch's bucket count (4-21; 12 gives about 1.6% error)
   * @return {@code id}, {@code reach_2hop}
   */
  public static Dataset<Row> reachApprox(Dataset<Row> edges, int lgConfigK) {
    requireColumns(edges, "reach input", "src", "dst");
    Dataset<Row> distinctEdges = edges.select("src", "dst").distinct();
    Dataset<Row> members =
        distinctEdges
            .select(col("dst").as("w"), col("src").as("member"))
            .union(distinctEdges.select(col("dst").as("w"), col("dst").as("member")))
            .union(distinctEdges.select(col("src").as("w"), col("src").as("member")));
    Dataset<Row> sketches = members.groupBy("w").agg(hll_sketch_agg(col("member"), lgConfigK).as("s"));
    Dataset<Row> audience = distinctEdges.select(col("src").as("w"), col("dst").as("id"));
    Dataset<Row> unioned =
        audience
            .join(sketches, new String[] {"w"}, "inner")
            .groupBy("id")
            .agg(hll_union_agg(col("s")).as("u"));
    Dataset<Row> back = distinctEdges.select(col("src").as("r_src"), col("dst").as("r_dst"));
    Dataset<Row> reciprocal =
        distinctEdges
            .join(
                back,
                distinctEdges
                    .col("src")
                    .equalTo(back.col("r_dst"))
                    .and(distinctEdges.col("dst").equalTo(back.col("r_src"))),
                "inner")
            .select(col("dst").as("id"))
            .distinct()
            .withColumn("self", lit(1L));
    return unioned
        .join(reciprocal, new String[] {"id"}, "left_outer")
        .select(
            col("id"),
            greatest(
                    lit(0L),
                    hll_sketch_estimate(col("u")).minus(coalesce(col("self"), lit(0L))))
                .as("reach_2hop"));
  }

  /**
   * Influence per person (gold.influence).
   *
   * @param ranks {@code id}, {@code pagerank} ({@link PageRank})
   * @param edges {@code src}, {@code dst}, {@code weight}
   * @param reach {@code id}, {@code reach_2hop}
   * @param reachExact whether reach was counted exactly
   * @return {@code run_date}, {@code person_id}, {@code pagerank} (mean 1 over the graph), {@code
   *     pagerank_rank} (1 = most influential; ties by person id), {@code pagerank_percentile} (0..1,
   *     1 = most influential; ties share a value), {@code in_degree}, {@code out_degree}, {@code
   *     weighted_in_degree}, {@code weighted_out_degree}, {@code reach_2hop}, {@code reach_exact}
   */
  public static Dataset<Row> influence(
      Dataset<Row> ranks,
      Dataset<Row> edges,
      Dataset<Row> reach,
      LocalDate runDate,
      boolean reachExact) {
    requireColumns(ranks, "PageRank output", "id", "pagerank");
    requireColumns(edges, "influence edges", "src", "dst", "weight");
    requireColumns(reach, "reach", "id", "reach_2hop");
    Dataset<Row> out =
        edges
            .groupBy(col("src").as("id"))
            .agg(count(lit(1)).as("out_degree"), sum("weight").as("weighted_out_degree"));
    Dataset<Row> in =
        edges
            .groupBy(col("dst").as("id"))
            .agg(count(lit(1)).as("in_degree"), sum("weight").as("weighted_in_degree"));
    Column pagerank = round(col("pagerank"), 12);
    return ranks
        .select(col("id"), pagerank.as("pagerank"))
        .join(in, new String[] {"id"}, "left_outer")
        .join(out, new String[] {"id"}, "left_outer")
        .join(reach, new String[] {"id"}, "left_outer")
        .select(
            lit(runDate).as("run_date"),
            col("id").as("person_id"),
            col("pagerank"),
            row_number()
                .over(Window.orderBy(col("pagerank").desc(), col("id").asc()))
                .as("pagerank_rank"),
            percent_rank().over(Window.orderBy(col("pagerank").asc())).as("pagerank_percentile"),
            coalesce(col("in_degree"), lit(0L)).as("in_degree"),
            coalesce(col("out_degree"), lit(0L)).as("out_degree"),
            round(coalesce(col("weighted_in_degree"), lit(0.0)), 12).as("weighted_in_degree"),
            round(coalesce(col("weighted_out_degree"), lit(0.0)), 12).as("weighted_out_degree"),
            coalesce(col("reach_2hop"), lit(0L)).as("reach_2hop"),
            lit(reachExact).as("reach_exact"));
  }

  /**
   * Community membership (gold.communities).
   *
   * @param labels {@code id}, {@code community_id} ({@link Communities})
   * @return {@code run_date}, {@code person_id}, {@code community_id}, {@code community_size}
   */
  public static Dataset<Row> communities(Dataset<Row> labels, LocalDate runDate) {
    requireColumns(labels, "community labels", "id", "community_id");
    return labels.select(
        lit(runDate).as("run_date"),
        col("id").as("person_id"),
        col("community_id"),
        count(lit(1)).over(Window.partitionBy("community_id")).as("community_size"));
  }

  /**
   * What is known of each person up to the run date: customer or prospect, churned, sentiment.
   *
   * <p>A person is a customer when they have a customer key or a purchase. Churned: the label of
   * {@code churnLabels} where given for the person, else a {@code subscription_cancel} or no activity
   * in the last {@code inactivityDays} days. Sentiment: the score of {@code sentimentScores} where
   * given, else the mean {@code (rating - 3) / 2} of rated events (clamped to [-1, 1]), else null.
   *
   * @param interactions silver.interactions (any history; events after the run date are ignored)
   * @param sentimentScores optional {@code person_id}, {@code sentiment}
   * @param churnLabels optional {@code person_id}, {@code churned}
   * @return {@code person_id}, {@code is_customer}, {@code churned}, {@code sentiment}, {@code
   *     last_event_time}
   */
  public static Dataset<Row> personFacts(
      Dataset<Row> interactions,
      Optional<Dataset<Row>> sentimentScores,
      Optional<Dataset<Row>> churnLabels,
      LocalDate runDate,
      int inactivityDays) {
    requireColumns(
        interactions,
        "silver.interactions",
        "event_time",
        "event_date",
        "event_type",
        "person_id",
        "customer_key",
        "rating");
    Instant inactiveBefore = windowEnd(runDate).minusSeconds(inactivityDays * 86400L);
    Column rated =
        when(col("rating").isNotNull(), col("rating").cast("double").minus(lit(3.0)).divide(lit(2.0)));
    Dataset<Row> facts =
        upTo(interactions, runDate)
            .where(col("person_id").isNotNull())
            .groupBy("person_id")
            .agg(
                max(col("customer_key").isNotNull()).as("has_customer_key"),
                max(col("event_type").equalTo(lit("purchase"))).as("purchased"),
                max(col("event_type").equalTo(lit("subscription_cancel"))).as("cancelled"),
                max("event_time").as("last_event_time"),
                avg(rated).as("rated_sentiment"));
    Column ruleChurned =
        col("cancelled").or(col("last_event_time").lt(lit(inactiveBefore)));
    Column churned = ruleChurned;
    // greatest/least skip nulls, so the clamp is guarded.
    Column sentiment =
        when(
            col("rated_sentiment").isNotNull(),
            least(lit(1.0), greatest(lit(-1.0), col("rated_sentiment"))));
    if (churnLabels.isPresent()) {
      Dataset<Row> labels = churnLabels.get();
      requireColumns(labels, "gold.churn_labels", "person_id", "churned");
      facts =
          facts.join(
              labels
                  .groupBy(col("person_id"))
                  .agg(max(col("churned").cast("boolean")).as("label_churned")),
              new String[] {"person_id"},
              "left_outer");
      churned = coalesce(col("label_churned"), ruleChurned);
    }
    if (sentimentScores.isPresent()) {
      Dataset<Row> scores = sentimentScores.get();
      requireColumns(scores, "gold.sentiment_scores", "person_id", "sentiment");
      facts =
          facts.join(
              scores.groupBy(col("person_id")).agg(avg(col("sentiment")).as("scored_sentiment")),
              new String[] {"person_id"},
              "left_outer");
      sentiment = coalesce(col("scored_sentiment"), sentiment);
    }
    return facts.select(
        col("person_id"),
        col("has_customer_key").or(col("purchased")).as("is_customer"),
        churned.as("churned"),
        sentiment.as("sentiment"),
        col("last_event_time"));
  }

  /**
   * Purchases in the window, for community product profiles.
   *
   * @return {@code person_id}, {@code product_id}, {@code category}
   */
  public static Dataset<Row> purchases(Dataset<Row> interactions, LocalDate runDate, int windowDays) {
    requireColumns(
        interactions, "silver.interactions", "event_date", "event_time", "event_type", "person_id",
        "product_id", "category");
    return upTo(interactions, runDate)
        .where(col("event_date").geq(lit(runDate.minusDays(windowDays - 1L))))
        .where(col("event_type").equalTo(lit("purchase")).and(col("person_id").isNotNull()))
        .select(col("person_id"), col("product_id"), col("category"));
  }

  /**
   * Community profiles (gold.community_profiles).
   *
   * <p>Advocates and detractors are the members within the community's most influential {@code
   * topShare} (at least one member) whose sentiment is at least {@code minSentiment}, respectively at
   * most its negative; listed by influence, at most {@code topItems}.
   *
   * @param communities gold.communities rows ({@code person_id}, {@code community_id})
   * @param influence gold.influence rows ({@code person_id}, {@code pagerank})
   * @param facts {@link #personFacts}
   * @param purchases {@link #purchases}
   * @return {@code run_date}, {@code community_id}, {@code size}, {@code customers}, {@code
   *     prospects}, {@code customer_share}, {@code churned}, {@code churn_rate} (over members with a
   *     known status), {@code avg_sentiment}, {@code top_products}, {@code top_categories}, {@code
   *     advocates}, {@code detractors} (arrays, most frequent or most influential first)
   */
  public static Dataset<Row> communityProfiles(
      Dataset<Row> communities,
      Dataset<Row> influence,
      Dataset<Row> facts,
      Dataset<Row> purchases,
      LocalDate runDate,
      int topItems,
      double topShare,
      double minSentiment) {
    requireColumns(communities, "communities", "person_id", "community_id");
    requireColumns(influence, "influence", "person_id", "pagerank");
    requireColumns(facts, "person facts", "person_id", "is_customer", "churned", "sentiment");
    requireColumns(purchases, "purchases", "person_id", "product_id", "category");
    Dataset<Row> members =
        communities
            .select("person_id", "community_id")
            .join(influence.select("person_id", "pagerank"), new String[] {"person_id"}, "left_outer")
            .join(
                facts.select("person_id", "is_customer", "churned", "sentiment"),
                new String[] {"person_id"},
                "left_outer")
            .withColumn(
                "influence_rank",
                row_number()
                    .over(
                        Window.partitionBy("community_id")
                            .orderBy(col("pagerank").desc_nulls_last(), col("person_id"))))
            .withColumn("size", count(lit(1)).over(Window.partitionBy("community_id")));
    Column isCustomer = coalesce(col("is_customer"), lit(false));
    Column influential =
        col("influence_rank").leq(greatest(lit(1L), ceil(col("size").multiply(lit(topShare)))));
    Column rankedMember = struct(col("influence_rank").as("k"), col("person_id").as("v"));
    Dataset<Row> base =
        members
            .groupBy("community_id")
            .agg(
                count(lit(1)).as("size"),
                sum(when(isCustomer, lit(1L)).otherwise(lit(0L))).as("customers"),
                sum(when(col("churned"), lit(1L)).otherwise(lit(0L))).as("churned"),
                avg(col("churned").cast("double")).as("churn_rate"),
                avg(col("sentiment")).as("avg_sentiment"),
                collect_list(
                        when(influential.and(col("sentiment").geq(lit(minSentiment))), rankedMember))
                    .as("advocates"),
                collect_list(
                        when(
                            influential.and(col("sentiment").leq(lit(-minSentiment))),
                            rankedMember))
                    .as("detractors"));
    Dataset<Row> bought =
        purchases.join(communities.select("person_id", "community_id"), new String[] {"person_id"},
            "inner");
    Dataset<Row> products = topValues(bought, "product_id", topItems, "top_products");
    Dataset<Row> categories = topValues(bought, "category", topItems, "top_categories");
    Column emptyList = functions.array().cast("array<string>");
    return base.join(products, new String[] {"community_id"}, "left_outer")
        .join(categories, new String[] {"community_id"}, "left_outer")
        .select(
            lit(runDate).as("run_date"),
            col("community_id"),
            col("size"),
            col("customers"),
            col("size").minus(col("customers")).as("prospects"),
            round(col("customers").divide(col("size")), 6).as("customer_share"),
            col("churned"),
            round(col("churn_rate"), 6).as("churn_rate"),
            round(col("avg_sentiment"), 6).as("avg_sentiment"),
            coalesce(col("top_products"), emptyList).as("top_products"),
            coalesce(col("top_categories"), emptyList).as("top_categories"),
            ordered(col("advocates"), topItems).as("advocates"),
            ordered(col("detractors"), topItems).as("detractors"));
  }

  /** Values of a {@code (k, v)} struct array ordered by {@code k}, at most {@code limit}. */
  private static Column ordered(Column structs, int limit) {
    return transform(slice(sort_array(structs), 1, limit), s -> s.getField("v"));
  }

  /** Most frequent values per community (ties by value), at most {@code limit}. */
  private static Dataset<Row> topValues(
      Dataset<Row> bought, String column, int limit, String name) {
    Dataset<Row> counts =
        bought
            .where(col(column).isNotNull())
            .groupBy(col("community_id"), col(column).as("v"))
            .agg(count(lit(1)).as("n"));
    return counts
        .groupBy("community_id")
        .agg(collect_list(struct(functions.negate(col("n")).as("k"), col("v").as("v"))).as("items"))
        .select(col("community_id"), ordered(col("items"), limit).as(name));
  }

  /**
   * Graph features per person for the models (gold.graph_features).
   *
   * <p>{@code community_churn_rate} leaves the person out (the churn rate of the other members with
   * a known status), so a churn model does not see its own label through it.
   *
   * @param edges {@code src}, {@code dst}, {@code weight}
   * @param communities {@code person_id}, {@code community_id}
   * @param influence {@code person_id}, {@code pagerank}, {@code pagerank_percentile}
   * @param facts {@code person_id}, {@code churned}
   * @return {@code run_date}, {@code person_id}, {@code community_id}, {@code degree} (distinct
   *     neighbours, either direction), {@code weighted_degree}, {@code influence} (PageRank), {@code
   *     influence_percentile}, {@code community_size}, {@code community_churn_rate}, {@code
   *     churned_neighbours}, {@code churned_neighbour_share} (over neighbours with a known status)
   */
  public static Dataset<Row> graphFeatures(
      Dataset<Row> edges,
      Dataset<Row> communities,
      Dataset<Row> influence,
      Dataset<Row> facts,
      LocalDate runDate) {
    requireColumns(communities, "communities", "person_id", "community_id");
    requireColumns(influence, "influence", "person_id", "pagerank", "pagerank_percentile");
    requireColumns(facts, "person facts", "person_id", "churned");
    Dataset<Row> adj = Communities.adjacency(Communities.undirected(edges));
    Dataset<Row> status = facts.select(col("person_id").as("nbr"), col("churned").as("nbr_churned"));
    Dataset<Row> neighbourhood =
        adj.join(status, new String[] {"nbr"}, "left_outer")
            .groupBy(col("id").as("person_id"))
            .agg(
                count(lit(1)).as("degree"),
                sum("weight").as("weighted_degree"),
                sum(when(col("nbr_churned"), lit(1L)).otherwise(lit(0L))).as("churned_neighbours"),
                avg(col("nbr_churned").cast("double")).as("churned_neighbour_share"));
    Dataset<Row> members =
        communities
            .select("person_id", "community_id")
            .join(facts.select("person_id", "churned"), new String[] {"person_id"}, "left_outer");
    Dataset<Row> perCommunity =
        members
            .groupBy("community_id")
            .agg(
                count(lit(1)).as("community_size"),
                sum(when(col("churned"), lit(1L)).otherwise(lit(0L))).as("c_churned"),
                count(col("churned")).as("c_known"));
    Column self = when(col("churned"), lit(1L)).otherwise(lit(0L));
    Column selfKnown = when(col("churned").isNotNull(), lit(1L)).otherwise(lit(0L));
    Column othersKnown = col("c_known").minus(selfKnown);
    return members
        .join(perCommunity, new String[] {"community_id"}, "inner")
        .join(neighbourhood, new String[] {"person_id"}, "left_outer")
        .join(
            influence.select("person_id", "pagerank", "pagerank_percentile"),
            new String[] {"person_id"},
            "left_outer")
        .select(
            lit(runDate).as("run_date"),
            col("person_id"),
            col("community_id"),
            coalesce(col("degree"), lit(0L)).as("degree"),
            round(coalesce(col("weighted_degree"), lit(0.0)), 12).as("weighted_degree"),
            col("pagerank").as("influence"),
            col("pagerank_percentile").as("influence_percentile"),
            col("community_size"),
            round(
                    when(
                        othersKnown.gt(0),
                        col("c_churned").minus(self).divide(othersKnown)),
                    6)
                .as("community_churn_rate"),
            coalesce(col("churned_neighbours"), lit(0L)).as("churned_neighbours"),
            round(col("churned_neighbour_share"), 6).as("churned_neighbour_share"));
  }
}
