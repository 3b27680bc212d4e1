package org.customerdynamics.social;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.customerdynamics.social.SocialFixtures.clique;
import static org.customerdynamics.social.SocialFixtures.concat;
import static org.customerdynamics.social.SocialFixtures.edges;
import static org.customerdynamics.social.SocialFixtures.sorted;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Label propagation, merges and modularity on hand-made graphs. */
class SocialCommunitiesTest extends SparkTestBase {
  @BeforeAll
  static void session(@TempDir Path dir) {
    lakehouse(config(dir));
  }

  private static final String[] TWO_CLIQUES =
      concat(clique("a1", "a2", "a3", "a4"), concat(clique("b1", "b2", "b3", "b4"), "a1>b1"));

  @Test
  void twoCliquesJoinedByOneEdgeAreTwoCommunities() {
    Communities.Result result = Communities.detect(edges(spark(), TWO_CLIQUES), 30, true, 20, 5);
    assertThat(sorted(result.labels()))
        .containsExactly(
            "[a1,a1]", "[a2,a1]", "[a3,a1]", "[a4,a1]", "[b1,b1]", "[b2,b1]", "[b3,b1]", "[b4,b1]");
    assertThat(result.stop()).isEqualTo("converged");
    // Undirected weights add both directions: each clique pair weighs 2, the bridge 1; m = 25, each
    // clique holds 12 and has degree 25: Q = 2 (12/25 - 1/4).
    assertThat(result.modularity()).isCloseTo(2 * (12.0 / 25 - 0.25), within(1e-9));
  }

  @Test
  void starIsOneCommunityAfterTheTwoCycleIsBroken() {
    // Synchronously the centre and the leaves swap labels forever; the independent-set updates
    // that follow the detected 2-cycle settle it by label propagation alone, without merges.
    Communities.Result result =
        Communities.detect(edges(spark(), "l1>c", "l2>c", "l3>c", "l4>c", "l5>c"), 30, false, 20, 5);
    assertThat(sorted(result.labels()))
        .containsExactly("[c,c]", "[l1,c]", "[l2,c]", "[l3,c]", "[l4,c]", "[l5,c]");
    assertThat(result.stop()).isEqualTo("converged-semi-synchronous");
    assertThat(result.modularity()).isCloseTo(0.0, within(1e-9));
  }

  @Test
  void chainTerminatesWithContiguousCommunitiesOfPositiveModularity() {
    Communities.Result result =
        Communities.detect(
            edges(spark(), "n1>n2", "n2>n3", "n3>n4", "n4>n5", "n5>n6", "n6>n7", "n7>n8"),
            30,
            true,
            20,
            5);
    List<String> rows = sorted(result.labels());
    assertThat(result.stop()).isNotEqualTo("max-iterations");
    assertThat(result.modularity()).isGreaterThan(0.0);
    // Communities along a chain are runs of consecutive nodes.
    List<String> order = new ArrayList<>();
    for (String row : rows) {
      String community = row.substring(row.indexOf(',') + 1, row.length() - 1);
      if (order.isEmpty() || !order.get(order.size() - 1).equals(community)) {
        order.add(community);
      }
    }
    assertThat(order).doesNotHaveDuplicates();
  }

  @Test
  void rerunGivesTheSamePartition() {
    Dataset<Row> graph = planted(4, 12, 0.5, 0.02, 7);
    List<String> first = sorted(Communities.detect(graph, 30, true, 20, 3).labels());
    List<String> second = sorted(Communities.detect(graph, 30, true, 20, 3).labels());
    assertThat(second).isEqualTo(first);
  }

  @Test
  void plantedCommunitiesAreRecovered() {
    Dataset<Row> graph = planted(4, 12, 0.5, 0.02, 11);
    Communities.Result result = Communities.detect(graph, 30, true, 20, 5);
    Dataset<Row> assignments =
        result
            .labels()
            .selectExpr("split(id, '-')[0] as truth_label", "community_id as found_label");
    double nmi = SocialScoring.nmi(assignments).first().getDouble(3);
    assertThat(nmi).isGreaterThanOrEqualTo(0.9);
    assertThat(result.modularity()).isGreaterThanOrEqualTo(result.modularityLpa());
  }

  @Test
  void mergesRaiseModularityOverOverSplitLabels() {
    // Two cliques split in halves: merging halves back raises modularity.
    Dataset<Row> und = Communities.undirected(edges(spark(), TWO_CLIQUES));
    Dataset<Row> split =
        labels("a1:a1", "a2:a1", "a3:a3", "a4:a3", "b1:b1", "b2:b1", "b3:b3", "b4:b3");
    assertThat(sorted(Communities.mergePairs(und, split))).containsExactly("[a3,a1]", "[b3,b1]");
    double before = Communities.modularity(und, split);
    double after =
        Communities.modularity(
            und, labels("a1:a1", "a2:a1", "a3:a1", "a4:a1", "b1:b1", "b2:b1", "b3:b1", "b4:b1"));
    assertThat(after).isGreaterThan(before);
  }

  @Test
  void modularityOfOneCommunityIsZeroAndOfSingletonsNegative() {
    Dataset<Row> und = Communities.undirected(edges(spark(), "x>y", "y>z", "z>x"));
    assertThat(Communities.modularity(und, labels("x:x", "y:x", "z:x"))).isCloseTo(0.0, within(1e-12));
    // Singletons: each node has degree 2 of 2m = 6: Q = -3 (1/3)^2.
    assertThat(Communities.modularity(und, labels("x:x", "y:y", "z:z")))
        .isCloseTo(-1.0 / 3, within(1e-12));
  }

  private static Dataset<Row> labels(String... pairs) {
    List<Row> rows = new ArrayList<>();
    for (String p : pairs) {
      String[] kv = p.split(":");
      rows.add(RowFactory.create(kv[0], kv[1]));
    }
    return spark()
        .createDataFrame(
            rows,
            new StructType().add("id", DataTypes.StringType).add("label", DataTypes.StringType));
  }

  /** A seeded planted-partition graph: ids {@code c<k>-<i>}, directed edges both ways. */
  static Dataset<Row> planted(int groups, int size, double pIn, double pOut, long seed) {
    Random random = new Random(seed);
    List<String> specs = new ArrayList<>();
    for (int g1 = 0; g1 < groups; g1++) {
      for (int i = 0; i < size; i++) {
        for (int g2 = 0; g2 < groups; g2++) {
          for (int j = 0; j < size; j++) {
            if (g1 == g2 && i == j) {
              continue;
            }
            double p = g1 == g2 ? pIn : pOut;
            if (random.nextDouble() < p / 2) {
              specs.add(String.format("c%d-%02d>c%d-%02d", g1, i, g2, j));
            }
          }
        }
      }
    }
    return edges(spark(), specs.toArray(new String[0]));
  }
}
