package org.customerdynamics.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;

class ConnectedComponentsTest extends SparkTestBase {
  private static final StructType LONG_EDGES =
      new StructType().add("src", DataTypes.LongType).add("dst", DataTypes.LongType);
  private static final StructType STRING_EDGES =
      new StructType().add("src", DataTypes.StringType).add("dst", DataTypes.StringType);

  static Dataset<Row> edges(List<long[]> pairs) {
    List<Row> rows = new ArrayList<>();
    for (long[] p : pairs) {
      rows.add(RowFactory.create(p[0], p[1]));
    }
    return spark().createDataFrame(rows, LONG_EDGES);
  }

  static List<String> sorted(Dataset<Row> components) {
    return components.orderBy("vertex").collectAsList().stream()
        .map(r -> r.getLong(0) + "->" + r.getLong(1))
        .toList();
  }

  /**
   * Limits on the edges per task that take each way through a graph of {@code edges} edges: 0 the
   * rounds, the largest one task, a third of the graph pieces of a third (then contracted).
   */
  private static long[] everyWay(int edges) {
    return new long[] {0, Long.MAX_VALUE, Math.max(1, edges / 3)};
  }

  private static void assertSameAsGraphX(List<long[]> pairs) {
    Dataset<Row> e = edges(pairs);
    List<String> graphx = sorted(GraphXOracle.components(e));
    for (long singleTaskMaxEdges : everyWay(pairs.size())) {
      List<String> ours = sorted(ConnectedComponents.ofLongs(e, 60, 2, singleTaskMaxEdges));
      assertThat(ours).as("single-task-max-edges %d", singleTaskMaxEdges).isEqualTo(graphx);
    }
  }

  @SafeVarargs
  private static Dataset<Row> stringEdges(List<String>... pairs) {
    return stringEdges(List.of(pairs));
  }

  private static Dataset<Row> stringEdges(List<List<String>> pairs) {
    List<Row> rows = new ArrayList<>();
    for (List<String> p : pairs) {
      rows.add(RowFactory.create(p.get(0), p.get(1)));
    }
    return spark().createDataFrame(rows, STRING_EDGES);
  }

  private static List<String> stringComponents(Dataset<Row> e, long singleTaskMaxEdges) {
    return ConnectedComponents.ofStrings(e, 10, 1, singleTaskMaxEdges).orderBy("node").collectAsList().stream()
        .map(r -> r.getString(0) + "->" + r.getString(1))
        .toList();
  }

  /** Random labels so that the smallest vertex sits anywhere in the structure. */
  private static long[] permutation(int n, long seed) {
    List<Long> ids = new ArrayList<>();
    for (long i = 0; i < n; i++) {
      ids.add(i * 7 + 3);
    }
    Collections.shuffle(ids, new Random(seed));
    return ids.stream().mapToLong(Long::longValue).toArray();
  }

  /** The edges of a chain through ids in their order (a mutable list). */
  private static List<long[]> chain(long[] ids) {
    List<long[]> pairs = new ArrayList<>();
    for (int i = 0; i + 1 < ids.length; i++) {
      pairs.add(new long[] {ids[i], ids[i + 1]});
    }
    return pairs;
  }

  @Test
  void smallGraphByHand() {
    List<long[]> pairs =
        List.of(new long[] {5, 3}, new long[] {3, 9}, new long[] {9, 5}, new long[] {7, 8}, new long[] {4, 4});
    for (long singleTaskMaxEdges : everyWay(pairs.size())) {
      assertThat(sorted(ConnectedComponents.ofLongs(edges(pairs), 10, 1, singleTaskMaxEdges)))
          .containsExactly("3->3", "4->4", "5->3", "7->7", "8->7", "9->3");
    }
  }

  @Test
  void randomSparseGraphMatchesGraphX() {
    Random random = new Random(42);
    List<long[]> pairs = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      pairs.add(new long[] {random.nextInt(500), random.nextInt(500)});
    }
    assertSameAsGraphX(pairs);
  }

  @Test
  void randomDenseGraphMatchesGraphX() {
    Random random = new Random(7);
    List<long[]> pairs = new ArrayList<>();
    for (int i = 0; i < 600; i++) {
      pairs.add(new long[] {random.nextInt(200), random.nextInt(200)});
    }
    assertSameAsGraphX(pairs);
  }

  @Test
  void chainWithShuffledLabelsMatchesGraphX() {
    long[] ids = permutation(80, 1);
    List<long[]> pairs = chain(ids);
    assertSameAsGraphX(pairs);
  }

  @Test
  void starsAndManyTinyComponentsMatchGraphX() {
    List<long[]> pairs = new ArrayList<>();
    // A star whose centre is the largest label, a star whose centre is the smallest.
    for (long leaf = 1; leaf <= 300; leaf++) {
      pairs.add(new long[] {10_000, leaf});
      pairs.add(new long[] {20_000 + leaf, 20_000});
    }
    // Many tiny components: pairs and isolated vertices.
    for (long i = 0; i < 300; i++) {
      pairs.add(new long[] {50_000 + 2 * i, 50_001 + 2 * i});
      pairs.add(new long[] {90_000 + i, 90_000 + i});
    }
    assertSameAsGraphX(pairs);
  }

  @Test
  void longChainConvergesQuickly() {
    long[] ids = permutation(2000, 3);
    List<long[]> pairs = chain(ids);
    for (long singleTaskMaxEdges : everyWay(pairs.size())) {
      List<Row> rows = ConnectedComponents.ofLongs(edges(pairs), 60, 4, singleTaskMaxEdges).collectAsList();
      assertThat(rows).hasSize(2000);
      assertThat(rows).allSatisfy(r -> assertThat(r.getLong(1)).isEqualTo(3L));
    }
  }

  @Test
  void stringNodesAreLabelledByTheirSmallestNode() {
    Dataset<Row> e =
        stringEdges(
            List.of("em:b", "de:z"), List.of("de:z", "cu:k"), List.of("an:q", "an:q"), List.of("ph:1", "lo:2"));
    for (long singleTaskMaxEdges : everyWay(4)) {
      assertThat(stringComponents(e, singleTaskMaxEdges))
          .containsExactly("an:q->an:q", "cu:k->cu:k", "de:z->cu:k", "em:b->cu:k", "lo:2->lo:2", "ph:1->lo:2");
    }
  }

  @Test
  void stringsAreOrderedAsSparkOrdersThemEveryWay() {
    // U+FFFD sorts before U+1F600 by code point (Spark's order); Java's String.compareTo, by UTF-16
    // units, puts the surrogate pair of U+1F600 first. The smallest node must be Spark's either way.
    Dataset<Row> e = stringEdges(List.of("nm:\uD83D\uDE00", "nm:\uFFFD"), List.of("nm:\uFFFD", "nm:\uFFFF"));
    for (long singleTaskMaxEdges : everyWay(2)) {
      assertThat(stringComponents(e, singleTaskMaxEdges))
          .as("single-task-max-edges %d", singleTaskMaxEdges)
          .containsOnly(
              "nm:\uFFFD->nm:\uFFFD", "nm:\uFFFF->nm:\uFFFD", "nm:\uD83D\uDE00->nm:\uFFFD");
    }
  }

  @Test
  void aGraphAtTheLimitTakesOneTaskAndWithNoLimitTheRounds() {
    // A chain of 500 vertices needs more than one round; with no rounds allowed, only one task solves it.
    long[] ids = permutation(500, 5);
    List<long[]> pairs = chain(ids);
    pairs.add(new long[] {ids[0], ids[1]}); // a repeated edge counts: 500 edges
    pairs.add(new long[] {-1, 7}); // a row with a null endpoint is dropped before the count
    Dataset<Row> e =
        edges(pairs).withColumn("src", org.apache.spark.sql.functions.expr("nullif(src, -1)"));
    List<Row> rows = ConnectedComponents.ofLongs(e, 0, 1, 500).collectAsList();
    assertThat(rows).hasSize(500);
    assertThat(rows).allSatisfy(r -> assertThat(r.getLong(1)).isEqualTo(3L));
    assertThatThrownBy(() -> ConnectedComponents.ofLongs(e, 1, 1, 0))
        .isInstanceOf(CdxException.class)
        .hasMessageContaining("no convergence after 1 rounds");
  }

  /** Random edges over as many vertices: mostly small components and a large one, as identity's. */
  private static List<long[]> randomGraph(int edges, long seed) {
    Random random = new Random(seed);
    List<long[]> pairs = new ArrayList<>();
    for (int i = 0; i < edges; i++) {
      pairs.add(new long[] {random.nextInt(edges), random.nextInt(edges)});
    }
    return pairs;
  }

  @Test
  void aGraphOverTheLimitIsSolvedInPiecesWithoutRounds() {
    // No rounds allowed: the pieces and their contractions alone must get GraphX's components. At a
    // limit of half the graph: two pieces, their links in one task. At a third and below: three or
    // four pieces, whose links (half the graph) take two pieces, whose links take one task.
    List<long[]> pairs = randomGraph(3000, 11);
    Dataset<Row> e = edges(pairs);
    List<String> graphx = sorted(GraphXOracle.components(e));
    for (long limit : new long[] {1500, 1000, 900}) {
      assertThat(sorted(ConnectedComponents.ofLongs(e, 0, 1, limit))).as("limit %d", limit).isEqualTo(graphx);
    }
  }

  @Test
  void piecesThatContractTooLittleLeaveTheRestToTheRounds() {
    // A chain whose labels grow along it, in 100 pieces of 6 edges: nearly every piece holds links that
    // are not next to each other, each named by its smaller end, so the vertex between two pieces links
    // them, and the contracted graph is the chain again less a few links. The rounds (none allowed here)
    // must take the rest. (A chain with shuffled labels contracts by a third a level and needs no rounds.)
    long[] ids = permutation(600, 3);
    Arrays.sort(ids);
    List<long[]> pairs = chain(ids);
    assertThatThrownBy(() -> ConnectedComponents.ofLongs(edges(pairs), 0, 1, 6))
        .isInstanceOf(CdxException.class)
        .hasMessageContaining("no convergence after 0 rounds");
    List<Row> rows = ConnectedComponents.ofLongs(edges(pairs), 60, 2, 6).collectAsList();
    assertThat(rows).hasSize(600);
    assertThat(rows).allSatisfy(r -> assertThat(r.getLong(1)).isEqualTo(3L));
    // Strings take their rounds over numbered nodes: named back, the smallest node names the chain.
    List<List<String>> named = new ArrayList<>();
    for (long[] p : pairs) {
      named.add(List.of(String.format("n:%05d", p[0]), String.format("n:%05d", p[1])));
    }
    List<Row> nodes = ConnectedComponents.ofStrings(stringEdges(named), 60, 2, 6).collectAsList();
    assertThat(nodes).hasSize(600);
    assertThat(nodes).allSatisfy(r -> assertThat(r.getString(1)).isEqualTo("n:00003"));
  }

  @Test
  void failsClearlyWhenRoundsRunOut() {
    long[] ids = permutation(500, 5);
    List<long[]> pairs = chain(ids);
    assertThatThrownBy(() -> ConnectedComponents.ofLongs(edges(pairs), 1, 1, 0))
        .isInstanceOf(CdxException.class)
        .hasMessageStartingWith("Cannot compute connected components: no convergence after 1 rounds")
        .hasMessageContaining("identity.max-iterations");
  }
}
