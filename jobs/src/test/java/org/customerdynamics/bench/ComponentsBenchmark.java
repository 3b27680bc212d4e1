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

/**
 * Times our DataFrame connected components beside GraphX's connectedComponents on the same random
 * graph (fixed seed): {@code edges} uniform random pairs over {@code vertices} vertices. Both results
 * are materialised and compared row for row (outside the timings). {@link Benchmarks} runs the same
 * comparison per scale; this main runs it alone.
 *
 * <p>Usage: {@code ComponentsBenchmark [edges=1000000] [vertices=1000000] [seed=42] [checkpointEvery=2]
 * [master=local[2]]}
 */
public final class ComponentsBenchmark {
  private ComponentsBenchmark() {}

  /** What one comparison measured. */
  record Outcome(
      long edges, double oursSeconds, long oursVertices, long oursComponents,
      double graphxSeconds, long graphxVertices, long graphxComponents, long mismatches) {}

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

  /**
   * Times ours, then GraphX's, on {@code graph} (after a warm-up on its first 10,000 edges that is
   * billed to neither), and counts the vertices whose component differs (outside the timings).
   */
  static Outcome compare(Dataset<Row> graph, int checkpointEvery) {
    long edgeCount = graph.count();
    Dataset<Row> small = graph.limit(10_000);
    ConnectedComponents.ofLongs(small, 60, checkpointEvery).count();
    GraphXOracle.components(small).count();

    long t0 = System.nanoTime();
    Dataset<Row> ours =
        ConnectedComponents.ofLongs(graph, 60, checkpointEvery).persist(StorageLevel.MEMORY_AND_DISK());
    long oursVertices = ours.count();
    long oursComponents = ours.select("component").distinct().count();
    double oursSeconds = (System.nanoTime() - t0) / 1e9;

    long t1 = System.nanoTime();
    Dataset<Row> graphx = GraphXOracle.components(graph).persist(StorageLevel.MEMORY_AND_DISK());
    long graphxVertices = graphx.count();
    long graphxComponents = graphx.select("component").distinct().count();
    double graphxSeconds = (System.nanoTime() - t1) / 1e9;

    long mismatches =
        ours.as("o")
            .join(graphx.as("g"), col("o.vertex").equalTo(col("g.vertex")), "full_outer")
            .filter(
                col("o.component").isNull()
                    .or(col("g.component").isNull())
                    .or(col("o.component").notEqual(col("g.component"))))
            .count();
    ours.unpersist();
    graphx.unpersist();
    return new Outcome(
        edgeCount, oursSeconds, oursVertices, oursComponents, graphxSeconds, graphxVertices,
        graphxComponents, mismatches);
  }

  public static void main(String[] args) throws Exception {
    long edges = args.length > 0 ? Long.parseLong(args[0]) : 1_000_000L;
    long vertices = args.length > 1 ? Long.parseLong(args[1]) : 1_000_000L;
    long seed = args.length > 2 ? Long.parseLong(args[2]) : 42L;
    int checkpointEvery = args.length > 3 ? Integer.parseInt(args[3]) : 2;
    String master = args.length > 4 ? args[4] : "local[2]";
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
    Outcome o = compare(graph, checkpointEvery);
    System.out.printf(
        "ours (large-star/small-star, checkpoint every %d): %.1f s, %d vertices, %d components%n",
        checkpointEvery, o.oursSeconds(), o.oursVertices(), o.oursComponents());
    System.out.printf(
        "graphx connectedComponents:                    %.1f s, %d vertices, %d components%n",
        o.graphxSeconds(), o.graphxVertices(), o.graphxComponents());
    System.out.printf(
        "speed-up: %.2fx; vertices whose component differs: %d%n",
        o.graphxSeconds() / o.oursSeconds(), o.mismatches());
    spark.stop();
  }
}
