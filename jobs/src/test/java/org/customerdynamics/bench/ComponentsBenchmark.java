package org.customerdynamics.bench;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.pmod;
import static org.apache.spark.sql.functions.xxhash64;

import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.storage.StorageLevel;
import org.customerdynamics.identity.ConnectedComponents;
import org.customerdynamics.identity.GraphXOracle;
import org.customerdynamics.identity.IdentityConfig;

/**
 * Times our DataFrame connected components beside GraphX's connectedComponents on the same random
 * graph (fixed seed): {@code edges} uniform random pairs over {@code vertices} vertices. Both results
 * are materialised and compared row for row (outside the timings). {@link Benchmarks} runs the same
 * comparison per scale; this main runs it alone.
 *
 * <p>Usage: {@code ComponentsBenchmark [edges=1000000] [vertices=1000000] [seed=42] [checkpointEvery=2]
 * [master=local[2]] [singleTaskMaxEdges=identity's default]}
 */
public final class ComponentsBenchmark {
  private ComponentsBenchmark() {}

  /**
   * What one comparison measured: ours as identity runs it (one task up to its edge limit, else in
   * pieces), ours in two pieces (the limit at half the graph, as a graph up to twice identity's limit
   * takes them), ours by rounds alone (limit 0), and GraphX's.
   */
  record Outcome(
      long edges, double oursSeconds, long oursVertices, long oursComponents, long mismatches,
      double piecesSeconds, long piecesMismatches,
      double roundsSeconds, long roundsMismatches,
      double graphxSeconds, long graphxVertices, long graphxComponents) {}

  /** The limit per task that splits a graph of {@code edges} edges into two pieces. */
  static long twoPieces(long edges) {
    return Math.max(1, (edges + 1) / 2);
  }

  /**
   * {@code edges} random pairs {@code (src, dst)} (bigint) over {@code vertices} ids: xxhash64 of the
   * seed and the edge number, so the two endpoints are independent and the graph is the same for a
   * seed on any machine. Persisted; the caller unpersists.
   */
  static Dataset<Row> randomGraph(SparkSession spark, long edges, long vertices, long seed) {
    return spark
        .range(0, edges, 1, 8)
        .select(
            pmod(xxhash64(lit(seed), col("id"), lit(0)), lit(vertices)).as("src"),
            pmod(xxhash64(lit(seed), col("id"), lit(1)), lit(vertices)).as("dst"))
        .persist(StorageLevel.MEMORY_AND_DISK());
  }

  /** Components and the seconds they took to compute and count (vertices, components). */
  private record Timed(Dataset<Row> components, long vertices, long count, double seconds) {}

  private static Timed time(java.util.function.Supplier<Dataset<Row>> run) {
    long t = System.nanoTime();
    Dataset<Row> components = run.get().persist(StorageLevel.MEMORY_AND_DISK());
    long vertices = components.count();
    long count = components.select("component").distinct().count();
    return new Timed(components, vertices, count, (System.nanoTime() - t) / 1e9);
  }

  /** Vertices whose component differs between two results (or that only one of them has). */
  private static long mismatches(Dataset<Row> a, Dataset<Row> b) {
    return a.as("a")
        .join(b.as("b"), col("a.vertex").equalTo(col("b.vertex")), "full_outer")
        .filter(
            col("a.component").isNull()
                .or(col("b.component").isNull())
                .or(col("a.component").notEqual(col("b.component"))))
        .count();
  }

  /**
   * Times ours as identity runs it ({@code settings}), ours in two pieces, ours by rounds alone, then
   * GraphX's, on {@code graph} (after a warm-up of each on its first 10,000 edges that is billed to
   * none), and counts the vertices whose component differs from GraphX's (outside the timings).
   */
  static Outcome compare(Dataset<Row> graph, IdentityConfig settings) {
    int rounds = settings.maxIterations();
    int every = settings.checkpointEvery();
    long limit = settings.singleTaskMaxEdges();
    long edgeCount = graph.count();
    Dataset<Row> small = graph.limit(10_000);
    ConnectedComponents.ofLongs(small, rounds, every, limit).count();
    ConnectedComponents.ofLongs(small, rounds, every, twoPieces(Math.min(edgeCount, 10_000))).count();
    ConnectedComponents.ofLongs(small, rounds, every, 0).count();
    GraphXOracle.components(small).count();

    Timed ours = time(() -> ConnectedComponents.ofLongs(graph, rounds, every, limit));
    Timed inPieces = time(() -> ConnectedComponents.ofLongs(graph, rounds, every, twoPieces(edgeCount)));
    Timed byRounds = time(() -> ConnectedComponents.ofLongs(graph, rounds, every, 0));
    Timed graphx = time(() -> GraphXOracle.components(graph));

    long mismatches = mismatches(ours.components(), graphx.components());
    long piecesMismatches = mismatches(inPieces.components(), graphx.components());
    long roundsMismatches = mismatches(byRounds.components(), graphx.components());
    ours.components().unpersist();
    inPieces.components().unpersist();
    byRounds.components().unpersist();
    graphx.components().unpersist();
    return new Outcome(
        edgeCount, ours.seconds(), ours.vertices(), ours.count(), mismatches,
        inPieces.seconds(), piecesMismatches,
        byRounds.seconds(), roundsMismatches,
        graphx.seconds(), graphx.vertices(), graphx.count());
  }

  public static void main(String[] args) throws Exception {
    long edges = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
    long vertices = args.length > 1 ? Long.parseLong(args[1]) : 1_000_000L;
    long seed = args.length > 2 ? Long.parseLong(args[2]) : 42L;
    int checkpointEvery = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    String master = args.length > 4 ? args[4] : "local[2]";
    IdentityConfig defaults = new IdentityConfig(null, null, null, null, null, null, null, null);
    long singleTaskMaxEdges = args.length > 5 ? Long.parseLong(args[5]) : defaults.singleTaskMaxEdges();
    IdentityConfig settings =
        new IdentityConfig(null, null, null, null, null, checkpointEvery, singleTaskMaxEdges, null);
    Path dir = Files.createTempDirectory("cdx-bench");
    SparkSession spark =
        SparkSession.builder()
            .master(master)
            .appName("cdx components benchmark")
            .config("spark.ui.enabled", "false")
            .config("spark.driver.host", "127.0.0.1")
            .config("spark.sql.shuffle.partitions", "8")
            .config("spark.sql.adaptive.enabled", "true")
            .getOrCreate();
    spark.sparkContext().setCheckpointDir(dir.resolve("checkpoints").toString());
    spark.sparkContext().setLogLevel("WARN");

    Dataset<Row> graph = randomGraph(spark, edges, vertices, seed);
    System.out.printf(
        "graph: %d edges over %d vertex ids, seed %d, master %s, %d cores%n",
        graph.count(), vertices, seed, master, Runtime.getRuntime().availableProcessors());
    Outcome o = compare(graph, settings);
    System.out.printf(
        "ours (one task up to %d edges, else in pieces): %.1f s, %d vertices, %d components, %d differ from GraphX%n",
        singleTaskMaxEdges, o.oursSeconds(), o.oursVertices(), o.oursComponents(), o.mismatches());
    System.out.printf(
        "ours in two pieces (%d edges per task): %.1f s, %d differ from GraphX%n",
        twoPieces(o.edges()), o.piecesSeconds(), o.piecesMismatches());
    System.out.printf(
        "ours by rounds (large-star/small-star, checkpoint every %d): %.1f s, %d differ from GraphX%n",
        checkpointEvery, o.roundsSeconds(), o.roundsMismatches());
    System.out.printf(
        "graphx connectedComponents: %.1f s, %d vertices, %d components%n",
        o.graphxSeconds(), o.graphxVertices(), o.graphxComponents());
    System.out.printf(
        "speed-up: %.2fx (in two pieces %.2fx, by rounds %.2fx)%n",
        o.graphxSeconds() / o.oursSeconds(), o.graphxSeconds() / o.piecesSeconds(),
        o.graphxSeconds() / o.roundsSeconds());
    spark.stop();
  }
}
