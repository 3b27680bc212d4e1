package org.customerdynamics.social;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.sum;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Weighted PageRank as iterative DataFrame joins (SPEC §2: graph algorithms on the critical path are
 * DataFrame-native; GraphX is the test oracle).
 *
 * <p>The iteration is GraphX's: every vertex starts at 1.0, and {@code r'(v) = (1 - d) + d * Σ_u r(u)
 * * w(u,v) / W(u)} where {@code W(u)} is the total weight leaving {@code u}. Rank held by dangling
 * vertices (no out-edges) is not redistributed during the iteration; at the end the ranks are scaled
 * to sum to the number of vertices, as GraphX does since SPARK-18847. With unit weights this is
 * exactly GraphX's {@code PageRank.run}; an integer weight behaves as that many parallel edges.
 *
 * <p>Each iteration's ranks are materialised with their lineage cut ({@link Lineage}: a local
 * checkpoint, and a reliable one every {@code checkpointEvery} iterations). The loop stops when the L1 change of the rank vector scaled to sum 1 falls below the
 * tolerance, or at the iteration cap.
 *
 * <p>A graph of at most {@code singleTaskMaxEdges} edges takes the same iteration in one task, in
 * memory ({@link GraphInOneTask}): below some size that costs less than a few Spark jobs per
 * iteration do on any cluster.
 */
public final class PageRank {
  private PageRank() {}

  /**
   * The outcome of a run.
   *
   * @param ranks {@code id} (string), {@code pagerank} (double; sums to the number of vertices),
   *     checkpointed
   * @param vertices number of vertices
   * @param iterations iterations run
   * @param converged whether the tolerance was reached before the cap
   * @param delta the last L1 change (rank vector scaled to sum 1)
   */
  public record Result(
      Dataset<Row> ranks, long vertices, int iterations, boolean converged, double delta) {}

  /**
   * Runs PageRank, in one task when the graph has at most {@code singleTaskMaxEdges} edges (rows of
   * {@code edges}, parallel ones counted), else by joins.
   *
   * @param singleTaskMaxEdges 0 = always by joins
   */
  public static Result run(
      Dataset<Row> edges,
      double damping,
      double tolerance,
      int maxIterations,
      int checkpointEvery,
      long singleTaskMaxEdges) {
    if (singleTaskMaxEdges > 0) {
      Dataset<Row> input = GraphInOneTask.input(edges);
      if (input.count() <= singleTaskMaxEdges) {
        return GraphInOneTask.pageRank(input, damping, tolerance, maxIterations);
      }
      edges = input;
    }
    return run(edges, damping, tolerance, maxIterations, checkpointEvery);
  }

  /**
   * Runs PageRank by joins.
   *
   * @param edges {@code src}, {@code dst} (strings), {@code weight} (&gt; 0; rows with weight &lt;= 0
   *     are ignored); parallel rows add up
   * @param damping the damping factor {@code d}, in (0, 1)
   * @param tolerance stop when the L1 change of the rank vector scaled to sum 1 is below this
   * @param maxIterations iteration cap
   * @param checkpointEvery checkpoint the ranks every this many iterations
   */
  public static Result run(
      Dataset<Row> edges, double damping, double tolerance, int maxIterations, int checkpointEvery) {
    SocialTransforms.requireColumns(edges, "PageRank input", "src", "dst", "weight");
    Dataset<Row> weighted =
        edges
            .where(col("weight").gt(0))
            .groupBy("src", "dst")
            .agg(sum(col("weight").cast("double")).as("weight"));
    Dataset<Row> outWeight = weighted.groupBy("src").agg(sum("weight").as("out_weight"));
    Dataset<Row> transitions =
        weighted
            .join(outWeight, new String[] {"src"}, "inner")
            .select(col("src"), col("dst"), col("weight").divide(col("out_weight")).as("p"))
            .checkpoint(true);
    Dataset<Row> vertices =
        transitions
            .select(col("src").as("id"))
            .union(transitions.select(col("dst").as("id")))
            .distinct()
            .checkpoint(true);
    long n = vertices.count();
    if (n == 0) {
      return new Result(vertices.select(col("id"), lit(0.0).as("pagerank")), 0, 0, true, 0.0);
    }

    Dataset<Row> ranks = Lineage.cut(vertices.select(col("id"), lit(1.0).as("rank")), 0, 1);
    int iteration = 0;
    double delta = Double.MAX_VALUE;
    boolean converged = false;
    while (iteration < maxIterations) {
      iteration++;
      Dataset<Row> received =
          transitions
              .join(ranks, transitions.col("src").equalTo(ranks.col("id")), "inner")
              .groupBy(transitions.col("dst").as("id"))
              .agg(sum(col("rank").multiply(col("p"))).as("received"));
      Dataset<Row> next =
          ranks
              .join(received, new String[] {"id"}, "left_outer")
              .select(
                  col("id"),
                  lit(1.0 - damping)
                      .plus(lit(damping).multiply(coalesce(col("received"), lit(0.0))))
                      .as("rank"),
                  col("rank").as("previous"));
      next = Lineage.cut(next, iteration, checkpointEvery);
      delta = next.agg(sum(abs(col("rank").minus(col("previous"))))).first().getDouble(0) / n;
      ranks = next;
      if (delta < tolerance) {
        converged = true;
        break;
      }
    }
    double total = ranks.agg(sum("rank")).first().getDouble(0);
    // The last state also carries the previous ranks; only the new ones are kept.
    Dataset<Row> normalised =
        Lineage.cut(
            ranks.select(col("id"), col("rank").multiply(lit(n / total)).as("pagerank")), 0, 1);
    return new Result(normalised, n, iteration, converged, delta);
  }
}
