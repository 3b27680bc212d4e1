package org.customerdynamics.social;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.customerdynamics.social.SocialFixtures.edges;
import static org.customerdynamics.social.SocialFixtures.event;
import static org.customerdynamics.social.SocialFixtures.identityMap;
import static org.customerdynamics.social.SocialFixtures.interactions;
import static org.customerdynamics.social.SocialFixtures.sorted;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The pure transforms of the social job, on small hand-made fixtures. */
class SocialTransformsTest extends SparkTestBase {
  private static final LocalDate D = LocalDate.parse("2026-01-31");

  @BeforeAll
  static void session(@TempDir Path dir) {
    lakehouse(config(dir));
  }

  private static Dataset<Row> map() {
    return identityMap(
        spark(),
        Map.of(
            "so:h1", "P1", "em:e1", "P1", "so:h2", "P2", "cu:c3", "P3", "so:h4", "P4"));
  }

  private static Dataset<Row> socialInteractions() {
    return interactions(
        spark(),
        event("e1", "mention", "2026-01-31T12:00:00Z").by("P1", "so:h1").toSocial("h2"),
        // Not stamped: the actor is found through actor_key; the counterpart's e-mail is P1's.
        event("e2", "reply", "2026-01-30T00:00:00Z").by(null, "so:h2").toEmail("e1"),
        event("e3", "share", "2026-01-21T00:00:00Z").by("P2", "so:h2").toSocial("h1").toEmail("e1"),
        // A referral runs from the referred (P1) to the referrer (P3).
        event("e4", "referral", "2026-01-31T00:00:00Z").by("P3", "cu:c3").toSocial("h1"),
        event("e5", "mention", "2026-01-25T00:00:00Z").by("P1", "so:h1").toSocial("zz"),
        event("e6", "mention", "2026-01-25T00:00:00Z").by("P1", "so:h1").toSocial("h1"),
        event("e7", "follow", "2026-02-01T01:00:00Z").by("P4", "so:h4").toSocial("h1"),
        event("e8", "follow", "2025-12-01T00:00:00Z").by("P4", "so:h4").toSocial("h1"),
        event("e9", "page_view", "2026-01-31T00:00:00Z").by("P1", "so:h1"),
        // The handle wins over the e-mail when both resolve.
        event("e10", "follow", "2026-01-31T00:00:00Z").by("P4", "so:h4").toSocial("h2").toEmail("e1"));
  }

  private static Dataset<Row> events() {
    return SocialTransforms.socialEvents(
        socialInteractions(),
        map(),
        D,
        30,
        SocialConfig.DEFAULT_EVENT_WEIGHTS.keySet(),
        List.of("referral"));
  }

  @Test
  void eventsAreResolvedThroughTheIdentityMapWithinTheWindow() {
    assertThat(
            sorted(
                events()
                    .select(
                        "event_id",
                        "actor_person_id",
                        "counterpart_person_id",
                        "src_person_id",
                        "dst_person_id")))
        .containsExactly(
            "[e1,P1,P2,P1,P2]",
            "[e10,P4,P2,P4,P2]",
            "[e2,P2,P1,P2,P1]",
            "[e3,P2,P1,P2,P1]",
            "[e4,P3,P1,P1,P3]",
            "[e5,P1,null,P1,null]",
            "[e6,P1,P1,P1,P1]");
  }

  @Test
  void edgesAreWeightedByTypeAndDecayedToTheEndOfTheRunDate() {
    Dataset<Row> edges = SocialTransforms.socialEdges(events(), D, 30.0, SocialConfig.DEFAULT_EVENT_WEIGHTS);
    assertThat(edges.columns())
        .containsExactly(
            "run_date", "src_person_id", "dst_person_id", "weight", "events", "mentions", "replies",
            "shares", "referrals", "follows", "first_event_time", "last_event_time");
    List<String> rows = new ArrayList<>();
    for (Row r :
        edges
            .orderBy("src_person_id", "dst_person_id")
            .select("run_date", "src_person_id", "dst_person_id", "weight", "events", "mentions",
                "replies", "shares", "referrals", "follows")
            .collectAsList()) {
      rows.add(
          String.format(
              Locale.ROOT,
              "%s %s>%s %.9f %d %d/%d/%d/%d/%d",
              r.get(0), r.get(1), r.get(2), r.getDouble(3), r.getLong(4), r.getLong(5),
              r.getLong(6), r.getLong(7), r.getLong(8), r.getLong(9)));
    }
    assertThat(rows)
        .containsExactly(
            String.format(Locale.ROOT, "2026-01-31 P1>P2 %.9f 1 1/0/0/0/0", decay(0.5)),
            String.format(Locale.ROOT, "2026-01-31 P1>P3 %.9f 1 0/0/0/1/0", 3 * decay(1)),
            String.format(
                Locale.ROOT, "2026-01-31 P2>P1 %.9f 2 0/1/1/0/0", decay(2) + 2 * decay(11)),
            String.format(Locale.ROOT, "2026-01-31 P4>P2 %.9f 1 0/0/0/0/1", decay(1)));
  }

  private static double decay(double ageDays) {
    return Math.pow(0.5, ageDays / 30.0);
  }

  @Test
  void missingColumnsAreNamedInTheError() {
    assertThatThrownBy(
            () ->
                SocialTransforms.socialEvents(
                    socialInteractions().drop("counterpart_social_key"),
                    map(),
                    D,
                    30,
                    List.of("mention"),
                    List.of()))
        .isInstanceOf(CdxException.class)
        .hasMessageStartingWith(
            "Cannot build the social graph: silver.interactions lacks column(s)"
                + " [counterpart_social_key]");
  }

  @Test
  void exactReachCountsTheAudienceAndItsAudience() {
    Dataset<Row> chain = edges(spark(), "a>b", "b>c", "c>d");
    assertThat(sorted(SocialTransforms.reachExact(chain))).containsExactly("[b,1]", "[c,2]", "[d,2]");
    assertThat(SocialTransforms.twoHopPaths(chain).first().getLong(0)).isEqualTo(2);
  }

  @Test
  void approximateReachAgreesOnSmallGraphsAndLeavesThePersonOut() {
    Dataset<Row> graph = edges(spark(), "x>y", "y>x", "z>x", "a>b", "b>c", "c>d");
    assertThat(sorted(SocialTransforms.reachApprox(graph, 12)))
        .isEqualTo(sorted(SocialTransforms.reachExact(graph)))
        .containsExactly("[b,1]", "[c,2]", "[d,2]", "[x,2]", "[y,2]");
  }

  private static Dataset<Row> factInteractions() {
    return interactions(
        spark(),
        event("f1", "page_view", "2026-01-20T00:00:00Z").by("P1", "cu:c1").customerKey("c1").rating(5),
        event("f2", "review", "2026-01-21T00:00:00Z").by("P1", "cu:c1").customerKey("c1").rating(4),
        event("f3", "purchase", "2026-01-10T00:00:00Z").by("P2", "so:h2").product("p1", "cat1"),
        event("f4", "subscription_cancel", "2026-01-30T00:00:00Z").by("P2", "so:h2").rating(1),
        event("f5", "page_view", "2025-10-01T00:00:00Z").by("P3", "so:h3"),
        event("f6", "page_view", "2026-02-05T00:00:00Z").by("P3", "so:h3"),
        event("f7", "mention", "2026-01-29T00:00:00Z").by("P4", "so:h4"));
  }

  @Test
  void personFactsFollowTheRulesWithoutModelTables() {
    Dataset<Row> facts =
        SocialTransforms.personFacts(factInteractions(), Optional.empty(), Optional.empty(), D, 60);
    assertThat(sorted(facts.drop("last_event_time")))
        .containsExactly(
            "[P1,true,false,0.75]", "[P2,true,true,-1.0]", "[P3,false,true,null]", "[P4,false,false,null]");
  }

  @Test
  void personFactsPreferChurnLabelsAndSentimentScoresWhereGiven() {
    Dataset<Row> labels =
        spark()
            .createDataFrame(
                List.of(RowFactory.create("P1", true)),
                new StructType()
                    .add("person_id", DataTypes.StringType)
                    .add("churned", DataTypes.BooleanType));
    Dataset<Row> scores =
        spark()
            .createDataFrame(
                List.of(RowFactory.create("P4", -0.5)),
                new StructType()
                    .add("person_id", DataTypes.StringType)
                    .add("sentiment", DataTypes.DoubleType));
    Dataset<Row> facts =
        SocialTransforms.personFacts(
            factInteractions(), Optional.of(scores), Optional.of(labels), D, 60);
    assertThat(sorted(facts.drop("last_event_time")))
        .containsExactly(
            "[P1,true,true,0.75]", "[P2,true,true,-1.0]", "[P3,false,true,null]", "[P4,false,false,-0.5]");
  }

  private static Dataset<Row> rows(StructType schema, Object[]... values) {
    List<Row> rows = new ArrayList<>();
    for (Object[] v : values) {
      rows.add(RowFactory.create(v));
    }
    return spark().createDataFrame(rows, schema);
  }

  private static Dataset<Row> communities() {
    return rows(
        new StructType().add("person_id", DataTypes.StringType).add("community_id", DataTypes.StringType),
        new Object[] {"a1", "a1"},
        new Object[] {"a2", "a1"},
        new Object[] {"a3", "a1"},
        new Object[] {"b1", "b1"},
        new Object[] {"b2", "b1"});
  }

  private static Dataset<Row> influence() {
    return rows(
        new StructType()
            .add("person_id", DataTypes.StringType)
            .add("pagerank", DataTypes.DoubleType)
            .add("pagerank_percentile", DataTypes.DoubleType),
        new Object[] {"a1", 3.0, 1.0},
        new Object[] {"a2", 1.0, 0.25},
        new Object[] {"a3", 0.5, 0.0},
        new Object[] {"b1", 2.0, 0.75},
        new Object[] {"b2", 1.0, 0.25});
  }

  private static Dataset<Row> facts() {
    return rows(
        new StructType()
            .add("person_id", DataTypes.StringType)
            .add("is_customer", DataTypes.BooleanType)
            .add("churned", DataTypes.BooleanType)
            .add("sentiment", DataTypes.DoubleType),
        new Object[] {"a1", true, false, 0.8},
        new Object[] {"a2", false, true, -0.6},
        new Object[] {"a3", true, false, null},
        new Object[] {"b1", false, true, -0.9},
        new Object[] {"b2", true, false, 0.1});
  }

  @Test
  void communityProfilesSummariseMembersProductsAdvocatesAndDetractors() {
    Dataset<Row> purchases =
        rows(
            new StructType()
                .add("person_id", DataTypes.StringType)
                .add("product_id", DataTypes.StringType)
                .add("category", DataTypes.StringType),
            new Object[] {"a1", "p1", "cat1"},
            new Object[] {"a3", "p1", "cat1"},
            new Object[] {"a3", "p2", "cat2"},
            new Object[] {"b2", "p9", "cat9"});
    Dataset<Row> profiles =
        SocialTransforms.communityProfiles(
            communities(), influence(), facts(), purchases, D, 5, 0.67, 0.2);
    assertThat(
            sorted(
                profiles.selectExpr(
                    "community_id",
                    "size",
                    "customers",
                    "prospects",
                    "customer_share",
                    "churned",
                    "churn_rate",
                    "avg_sentiment",
                    "array_join(top_products, '|')",
                    "array_join(top_categories, '|')",
                    "array_join(advocates, '|')",
                    "array_join(detractors, '|')")))
        .containsExactly(
            "[a1,3,2,1,0.666667,1,0.333333,0.1,p1|p2,cat1|cat2,a1,a2]",
            "[b1,2,1,1,0.5,1,0.5,-0.4,p9,cat9,,b1]");
  }

  @Test
  void graphFeaturesUseNeighboursAndLeaveThePersonOutOfTheCommunityRate() {
    Dataset<Row> graph = edges(spark(), "a1>a2", "a2>a1", "a1>a3", "a3>b1", "b2>b1:2");
    Dataset<Row> features =
        SocialTransforms.graphFeatures(graph, communities(), influence(), facts(), D);
    assertThat(
            sorted(
                features.select(
                    "person_id",
                    "community_id",
                    "degree",
                    "weighted_degree",
                    "influence",
                    "community_size",
                    "community_churn_rate",
                    "churned_neighbours",
                    "churned_neighbour_share")))
        .containsExactly(
            "[a1,a1,2,3.0,3.0,3,0.5,1,0.5]",
            "[a2,a1,1,2.0,1.0,3,0.0,0,0.0]",
            "[a3,a1,2,2.0,0.5,3,0.5,1,0.5]",
            "[b1,b1,2,3.0,2.0,2,0.0,0,0.0]",
            "[b2,b1,1,2.0,1.0,2,1.0,1,1.0]");
  }
}
