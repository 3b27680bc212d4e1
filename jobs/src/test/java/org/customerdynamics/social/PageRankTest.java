package org.customerdynamics.social;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.customerdynamics.social.SocialFixtures.clique;
import static org.customerdynamics.social.SocialFixtures.concat;
import static org.customerdynamics.social.SocialFixtures.edges;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.identity.GraphXOracle;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** DataFrame PageRank against GraphX's PageRank (the oracle) on hand-made graphs. */
class PageRankTest extends SparkTestBase {
  private static final double TOLERANCE = 1e-7;

  @BeforeAll
  static void session(@TempDir Path dir) {
    lakehouse(config(dir));
  }

  @Test
  void twoCliquesJoinedByOneEdgeMatchGraphX() {
    String[] graph =
        concat(clique("a1", "a2", "a3", "a4"), concat(clique("b1", "b2", "b3", "b4"), "a1>b1"));
    assertMatchesGraphX(60, graph);
  }

  @Test
  void starWithDanglingCentreMatchesGraphXAndRanksTheCentreFirst() {
    String[] graph = {"l1>c", "l2>c", "l3>c", "l4>c", "l5>c"};
    Map<String, Double> ranks = assertMatchesGraphX(10, graph);
    // Leaves get (1 - d); the centre 1 - d + 5 d (1 - d); then scaled to sum 6.
    double leaf = 0.15;
    double centre = 0.15 + 5 * 0.85 * 0.15;
    double scale = 6 / (5 * leaf + centre);
    assertThat(ranks.get("c")).isCloseTo(centre * scale, within(1e-9));
    assertThat(ranks.get("l1")).isCloseTo(leaf * scale, within(1e-9));
  }

  @Test
  void chainMatchesGraphX() {
    Map<String, Double> ranks = assertMatchesGraphX(10, "n1>n2", "n2>n3", "n3>n4", "n4>n5");
    assertThat(ranks.get("n5")).isGreaterThan(ranks.get("n4"));
    assertThat(ranks.get("n4")).isGreaterThan(ranks.get("n1"));
  }

  @Test
  void integerWeightsBehaveAsParallelEdgesInGraphX() {
    Dataset<Row> weighted = edges(spark(), "x>y:3", "x>z", "y>x", "z>y:2", "z>x");
    PageRank.Result ours = PageRank.run(weighted, 0.85, TOLERANCE, 200, 5);
    Map<String, Double> oracle =
        graphX(List.of("x>y", "x>y", "x>y", "x>z", "y>x", "z>y", "z>y", "z>x"), 60);
    assertClose(collect(ours.ranks()), oracle);
  }

  @Test
  void stopsAtTheIterationCapWithoutConverging() {
    PageRank.Result capped =
        PageRank.run(edges(spark(), concat(clique("a", "b", "c"), "a>d", "d>a", "d>b")), 0.85, 1e-15, 3, 2);
    assertThat(capped.iterations()).isEqualTo(3);
    assertThat(capped.converged()).isFalse();
    assertThat(collect(capped.ranks()).values().stream().mapToDouble(Double::doubleValue).sum())
        .isCloseTo(4.0, within(1e-9));
  }

  @Test
  void checkpointFrequencyDoesNotChangeTheResult() {
    String[] graph = concat(clique("a", "b", "c"), "c>d", "d>e", "e>a");
    Map<String, Double> often = collect(PageRank.run(edges(spark(), graph), 0.85, 1e-15, 6, 1).ranks());
    Map<String, Double> rarely =
        collect(PageRank.run(edges(spark(), graph), 0.85, 1e-15, 6, 4).ranks());
    often.forEach((id, rank) -> assertThat(rarely.get(id)).isCloseTo(rank, within(1e-12)));
  }

  @Test
  void emptyGraphGivesNoRanks() {
    PageRank.Result none = PageRank.run(edges(spark()), 0.85, 1e-6, 10, 5);
    assertThat(none.vertices()).isZero();
    assertThat(none.ranks().count()).isZero();
  }

  private static Map<String, Double> assertMatchesGraphX(int oracleIterations, String... graph) {
    PageRank.Result ours = PageRank.run(edges(spark(), graph), 0.85, TOLERANCE, 200, 5);
    assertThat(ours.converged()).isTrue();
    Map<String, Double> mine = collect(ours.ranks());
    assertClose(mine, graphX(List.of(graph), oracleIterations));
    return mine;
  }

  private static void assertClose(Map<String, Double> actual, Map<String, Double> expected) {
    assertThat(actual.keySet()).isEqualTo(expected.keySet());
    expected.forEach(
        (id, rank) -> assertThat(actual.get(id)).as("rank of %s", id).isCloseTo(rank, within(1e-4)));
  }

  static Map<String, Double> collect(Dataset<Row> ranks) {
    Map<String, Double> out = new TreeMap<>();
    for (Row r : ranks.collectAsList()) {
      out.put(r.getString(0), r.getDouble(1));
    }
    return out;
  }

  /** GraphX's PageRank (reset probability 0.15) over "a>b" edges, parallel edges kept. */
  static Map<String, Double> graphX(List<String> specs, int iterations) {
    Map<String, Long> ids = new HashMap<>();
    List<Row> rows = new ArrayList<>();
    for (String spec : specs) {
      String[] ends = spec.split(">");
      long src = ids.computeIfAbsent(ends[0], k -> (long) ids.size());
      long dst = ids.computeIfAbsent(ends[1], k -> (long) ids.size());
      rows.add(RowFactory.create(src, dst));
    }
    StructType schema =
        new StructType().add("src", DataTypes.LongType).add("dst", DataTypes.LongType);
    Dataset<Row> ranked =
        GraphXOracle.pageRank(spark().createDataFrame(rows, schema).repartition(2), iterations, 0.15);
    Map<Long, String> names = new HashMap<>();
    ids.forEach((name, id) -> names.put(id, name));
    Map<String, Double> out = new TreeMap<>();
    for (Row v : ranked.collectAsList()) {
      out.put(names.get(v.getLong(0)), v.getDouble(1));
    }
    return out;
  }
}
