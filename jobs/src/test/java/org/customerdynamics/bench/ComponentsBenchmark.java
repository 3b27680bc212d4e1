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
 * are materialised and compared row for row (outside the timings).
 *
 * <p>Usage: {@code ComponentsBenchmark [edges=1000000] [vertices=1000000] [seed=42] [checkpointEvery=2]
 * [master=local[2]]}
 */
public final class ComponentsBenchmark {
  private ComponentsBenchmark() {}

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

    Dataset<Row> graph =
        spark
            .range(0, edges, 1, 8)
            .select(
                pmod(xxhash64(lit(seed), col("id"), lit(0)), lit(vertices)).as("src"),
                pmod(xxhash64(lit(seed), col("id"), lit(1)), lit(vertices)).as("dst"))
            .persist(StorageLevel.MEMORY_AND_DISK());
    long edgeCount = graph.count();
    System.out.printf(
        "graph: %d edges over %d vertex ids, seed %d, master %s, %d cores%n",
        edgeCount, vertices, seed, master, Runtime.getRuntime().availableProcessors());

    // Warm-up on a small graph so that JIT and session start-up are not billed to either side.
    Dataset<Row> small = graph.limit(10_000);
    ConnectedComponents.ofLongs(small, 60, checkpointEvery).count();
    GraphXOracle.components(small).count();

    long t0 = System.nanoTime();
    Dataset<Row> ours =
        ConnectedComponents.ofLongs(graph, 60, checkpointEvery)
            .persist(StorageLevel.MEMORY_AND_DISK());
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
    System.out.printf(
        "ours (large-star/small-star, checkpoint every %d): %.1f s, %d vertices, %d components%n",
        checkpointEvery, oursSeconds, oursVertices, oursComponents);
    System.out.printf(
        "graphx connectedComponents:                    %.1f s, %d vertices, %d components%n",
        graphxSeconds, graphxVertices, graphxComponents);
    System.out.printf(
        "speed-up: %.2fx; vertices whose component differs: %d%n",
        graphxSeconds / oursSeconds, mismatches);
    spark.stop();
  }
}
