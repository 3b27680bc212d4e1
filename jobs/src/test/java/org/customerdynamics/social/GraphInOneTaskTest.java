package org.customerdynamics.social;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.customerdynamics.social.SocialFixtures.clique;
import static org.customerdynamics.social.SocialFixtures.concat;
import static org.customerdynamics.social.SocialFixtures.edges;
import static org.customerdynamics.social.SocialFixtures.sorted;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * PageRank and communities in one task against the same algorithms by joins: the same partition,
 * steps and stop reason, the same modularity, ranks equal to rounding.
 */
class GraphInOneTaskTest extends SparkTestBase {
  /** Edges of a graph: above it, the limit sends every graph here to the joins. */
  private static final long ONE_TASK = 1_000_000;

  @BeforeAll
  static void session(@TempDir Path dir) {
    lakehouse(config(dir));
  }

  private static final String[][] HAND_MADE = {
    concat(clique("a1", "a2", "a3", "a4"), concat(clique("b1", "b2", "b3", "b4"), "a1>b1")),
    {"l1>c", "l2>c", "l3>c", "l4>c", "l5>c"},
    {"n1>n2", "n2>n3", "n3>n4", "n4>n5", "n5>n6", "n6>n7", "n7>n8"},
    // A self-loop, a weight of 0 and a negative one are no edges; both directions of a pair add.
    {"x>y:2.5", "y>x:0.5", "y>z", "z>x", "x>x:9", "z>w:0", "w>x:-1", "w>y"},
    // Ids whose order differs between UTF-16 (Java's String) and UTF-8 bytes (Spark's).
    {"\uD83D\uDE00>\uFF21", "\uFF21>\uD83D\uDE00", "\uFF21>b", "b>\uD83D\uDE00:3"},
  };

  @Test
  void communitiesMatchTheJoinsOnHandMadeGraphs() {
    Set<String> stops = new HashSet<>();
    for (String[] graph : HAND_MADE) {
      stops.add(assertSameCommunities(edges(spark(), graph), true).stop());
    }
    assertThat(stops).contains("converged", "converged-semi-synchronous");
  }

  @Test
  void communitiesMatchTheJoinsOnRandomWeightedGraphs() {
    Set<String> stops = new HashSet<>();
    int merged = 0;
    for (long seed : new long[] {6, 10, 12}) {
      Communities.Result result = assertSameCommunities(weighted(5, 14, 0.35, 0.04, seed), true);
      stops.add(result.stop());
      merged += result.mergeRounds();
    }
    // Both ways of label propagation (independent-set steps with their xxhash64 priorities), and
    // merges after them.
    assertThat(stops).contains("converged", "converged-semi-synchronous");
    assertThat(merged).isPositive();
  }

  @Test
  void communitiesOfAnEmptyGraph() {
    Communities.Result one = Communities.detect(edges(spark()), 30, true, 20, 5, ONE_TASK);
    Communities.Result joins = Communities.detect(edges(spark()), 30, true, 20, 5);
    assertThat(one.labels().count()).isZero();
    assertThat(List.of(one.iterations(), one.stop(), one.mergeRounds(), one.modularity()))
        .isEqualTo(List.of(joins.iterations(), joins.stop(), joins.mergeRounds(), joins.modularity()));
  }

  @Test
  void pageRankMatchesTheJoinsAndGraphX() {
    // (Stars and chains are PageRankTest's.)
    for (int graph : new int[] {0, 3, 4}) {
      assertSamePageRank(edges(spark(), HAND_MADE[graph]), 1e-6, 200);
    }
    assertSamePageRank(weighted(5, 14, 0.35, 0.04, 1), 1e-9, 200);
    // Capped before convergence.
    PageRank.Result capped = assertSamePageRank(weighted(5, 14, 0.35, 0.04, 9), 1e-15, 3);
    assertThat(capped.converged()).isFalse();
    // GraphX, with integer weights as parallel edges (the oracle of PageRankTest).
    Map<String, Double> ranks =
        PageRankTest.collect(
            PageRank.run(edges(spark(), "x>y:3", "x>z", "y>x", "z>y:2", "z>x"), 0.85, 1e-7, 200, 5, ONE_TASK).ranks());
    Map<String, Double> oracle =
        PageRankTest.graphX(List.of("x>y", "x>y", "x>y", "x>z", "y>x", "z>y", "z>y", "z>x"), 60);
    oracle.forEach((id, rank) -> assertThat(ranks.get(id)).as("rank of %s", id).isCloseTo(rank, within(1e-4)));
    assertThat(ranks.keySet()).isEqualTo(oracle.keySet());
  }

  @Test
  void pageRankOfAnEmptyGraph() {
    PageRank.Result none = PageRank.run(edges(spark()), 0.85, 1e-6, 10, 5, ONE_TASK);
    assertThat(none.vertices()).isZero();
    assertThat(none.ranks().count()).isZero();
  }

  private static Communities.Result assertSameCommunities(Dataset<Row> graph, boolean merge) {
    Communities.Result one = Communities.detect(graph, 30, merge, 20, 5, ONE_TASK);
    Communities.Result joins = Communities.detect(graph, 30, merge, 20, 5);
    assertThat(sorted(one.labels())).isEqualTo(sorted(joins.labels()));
    assertThat(one.iterations()).isEqualTo(joins.iterations());
    assertThat(one.stop()).isEqualTo(joins.stop());
    assertThat(one.mergeRounds()).isEqualTo(joins.mergeRounds());
    // Modularity adds in exact decimals both ways.
    assertThat(one.modularityLpa()).isEqualTo(joins.modularityLpa());
    assertThat(one.modularity()).isEqualTo(joins.modularity());
    return one;
  }

  private static PageRank.Result assertSamePageRank(Dataset<Row> graph, double tolerance, int cap) {
    PageRank.Result one = PageRank.run(graph, 0.85, tolerance, cap, 5, ONE_TASK);
    PageRank.Result joins = PageRank.run(graph, 0.85, tolerance, cap, 5);
    assertThat(one.vertices()).isEqualTo(joins.vertices());
    assertThat(one.iterations()).isEqualTo(joins.iterations());
    assertThat(one.converged()).isEqualTo(joins.converged());
    assertThat(one.delta()).isCloseTo(joins.delta(), within(1e-12 * Math.max(1, joins.delta())));
    Map<String, Double> mine = PageRankTest.collect(one.ranks());
    Map<String, Double> theirs = PageRankTest.collect(joins.ranks());
    assertThat(mine.keySet()).isEqualTo(theirs.keySet());
    theirs.forEach((id, rank) -> assertThat(mine.get(id)).as("rank of %s", id).isCloseTo(rank, within(1e-12 * rank)));
    return one;
  }

  /**
   * A seeded planted-partition graph with real weights (as decayed event weights are): ids {@code
   * c<k>-<i>}, directed edges, some pairs both ways.
   */
  private static Dataset<Row> weighted(int groups, int size, double pIn, double pOut, long seed) {
    Random random = new Random(seed);
    List<String> specs = new ArrayList<>();
    for (int g1 = 0; g1 < groups; g1++) {
      for (int i = 0; i < size; i++) {
        for (int g2 = 0; g2 < groups; g2++) {
          for (int j = 0; j < size; j++) {
            if ((g1 != g2 || i != j) && random.nextDouble() < (g1 == g2 ? pIn : pOut)) {
              double w = random.nextInt(4) == 0 ? 1.0 : Math.pow(0.5, random.nextDouble() * 3) * (1 + random.nextInt(3));
              specs.add(String.format(Locale.ROOT, "c%d-%02d>c%d-%02d:%s", g1, i, g2, j, w));
            }
          }
        }
      }
    }
    return edges(spark(), specs.toArray(new String[0]));
  }
}
