package org.customerdynamics.social;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.min_by;
import static org.apache.spark.sql.functions.pow;
import static org.apache.spark.sql.functions.round;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.functions;

/**
 * Community detection on the undirected, weighted person graph, DataFrame-native.
 *
 * <p><b>Label propagation.</b> Every vertex starts with its own id as label. In each synchronous
 * step a vertex moves to the label carrying the largest total edge weight among its neighbours when
 * that weight is strictly larger than its own label's; ties go to the smallest label (scores are
 * rounded to 1e-9 first so that summation order cannot change a tie). Synchronous updates can
 * oscillate (a star, a chain, boundary vertices); when the number of moves stops shrinking or the
 * state equals the one two steps back, the run switches to independent-set updates: of two
 * neighbouring would-be movers only the one of smaller priority (a hash of id and step, then the
 * id) moves in that step. No two neighbours move together, so each step is equivalent to sequential
 * moves, and each move strictly raises the total weight of edges whose ends share a label: the run
 * cannot cycle and ends when no vertex wants to move (or at the iteration cap). Every step is
 * deterministic, so a rerun on the same graph gives the same partition.
 *
 * <p><b>Merge refinement</b> (Louvain's aggregation step, greedily): communities are merged in
 * rounds; in a round each community picks the neighbouring community whose merge raises modularity
 * most (ties to the smallest id), and mutually chosen pairs merge. Every merge strictly raises
 * modularity, so it cannot cycle; it stops when no merge raises modularity or at the round cap.
 *
 * <p>Community ids are the smallest member id, so they are stable under reruns.
 *
 * <p>A graph of at most {@code singleTaskMaxEdges} edges takes the same steps in one task, in memory
 * ({@link GraphInOneTask}).
 */
public final class Communities {
  private static final int SCALE = 9;

  private Communities() {}

  /**
   * The outcome of a run.
   *
   * @param labels {@code id}, {@code community_id} (the smallest member id)
   * @param iterations label-propagation steps run
   * @param stop why label propagation stopped: {@code converged}, {@code converged-semi-synchronous}
   *     (after a detected 2-cycle) or {@code max-iterations}
   * @param mergeRounds merge rounds that merged something
   * @param modularityLpa modularity after label propagation
   * @param modularity modularity of the final partition
   */
  public record Result(
      Dataset<Row> labels,
      int iterations,
      String stop,
      int mergeRounds,
      double modularityLpa,
      double modularity) {}

  /**
   * Undirected view of a directed weighted edge list: one row per unordered pair {@code a < b} with
   * the weights of both directions added; self-loops dropped.
   *
   * @param edges {@code src}, {@code dst}, {@code weight}
   * @return {@code a}, {@code b}, {@code weight}
   */
  public static Dataset<Row> undirected(Dataset<Row> edges) {
    SocialTransforms.requireColumns(edges, "community input", "src", "dst", "weight");
    return edges
        .where(col("src").notEqual(col("dst")).and(col("weight").gt(0)))
        .groupBy(least(col("src"), col("dst")).as("a"), greatest(col("src"), col("dst")).as("b"))
        .agg(sum(col("weight").cast("double")).as("weight"))
        .select("a", "b", "weight");
  }

  /** Both directions of an undirected edge list: {@code id}, {@code nbr}, {@code weight}. */
  static Dataset<Row> adjacency(Dataset<Row> undirected) {
    return undirected
        .select(col("a").as("id"), col("b").as("nbr"), col("weight"))
        .union(undirected.select(col("b").as("id"), col("a").as("nbr"), col("weight")));
  }

  /**
   * Detects communities, in one task when the graph has at most {@code singleTaskMaxEdges} edges
   * (rows of {@code edges}), else by joins.
   *
   * @param singleTaskMaxEdges 0 = always by joins
   */
  public static Result detect(
      Dataset<Row> edges,
      int maxIterations,
      boolean merge,
      int mergeMaxRounds,
      int checkpointEvery,
      long singleTaskMaxEdges) {
    if (singleTaskMaxEdges > 0) {
      Dataset<Row> input = GraphInOneTask.input(edges);
      if (input.count() <= singleTaskMaxEdges) {
        return GraphInOneTask.communities(input, maxIterations, merge, mergeMaxRounds);
      }
      edges = input;
    }
    return detect(edges, maxIterations, merge, mergeMaxRounds, checkpointEvery);
  }

  /**
   * Detects communities by joins.
   *
   * @param edges {@code src}, {@code dst}, {@code weight} (direction ignored)
   * @param maxIterations label-propagation step cap
   * @param merge whether to run the merge refinement
   * @param mergeMaxRounds merge round cap
   * @param checkpointEvery checkpoint the labels every this many steps
   */
  public static Result detect(
      Dataset<Row> edges, int maxIterations, boolean merge, int mergeMaxRounds, int checkpointEvery) {
    Dataset<Row> und = undirected(edges).checkpoint(true);
    Dataset<Row> adj = adjacency(und).checkpoint(true);
    Dataset<Row> vertices = adj.select("id").distinct().checkpoint(true);

    Dataset<Row> labels = Lineage.cut(vertices.select(col("id"), col("id").as("label")), 0, 1);
    Dataset<Row> previous = null;
    boolean semi = false;
    long lastChanged = Long.MAX_VALUE;
    int iteration = 0;
    String stop = "max-iterations";
    while (iteration < maxIterations) {
      iteration++;
      Dataset<Row> voted =
          semi
              ? independentMovers(adj, vote(adj, labels), iteration)
              : vote(adj, labels).where(col("own_score").lt(col("voted_score")));
      Dataset<Row> next =
          labels
              .join(voted, new String[] {"id"}, "left_outer")
              .select(
                  col("id"),
                  when(col("voted").isNotNull(), col("voted")).otherwise(col("label")).as("label"));
      next = Lineage.cut(next, iteration, checkpointEvery);
      long changed = differences(next, labels);
      if (changed == 0) {
        // Synchronous: nobody can improve. Independent-set: the smallest-priority mover always
        // moves, so no change means the same.
        stop = semi ? "converged-semi-synchronous" : "converged";
        previous = labels;
        labels = next;
        break;
      }
      // Synchronous updates that stop shrinking (or return to the state two steps back) are
      // oscillating: from here on only independent sets move.
      if (!semi
          && (changed >= lastChanged || (previous != null && differences(next, previous) == 0))) {
        semi = true;
      }
      lastChanged = changed;
      previous = labels;
      labels = next;
    }
    labels = canonical(labels);
    double modularityLpa = modularity(und, labels.withColumnRenamed("community_id", "label"));

    int rounds = 0;
    double modularity = modularityLpa;
    if (merge) {
      Dataset<Row> current = labels.withColumnRenamed("community_id", "label");
      while (rounds < mergeMaxRounds) {
        Dataset<Row> renames = Lineage.cut(mergePairs(und, current), 0, 1);
        if (renames.isEmpty()) {
          break;
        }
        rounds++;
        current =
            Lineage.cut(
                current
                    .join(renames, col("label").equalTo(col("from")), "left_outer")
                    .select(col("id"), coalesce(col("to"), col("label")).as("label")),
                rounds,
                checkpointEvery);
      }
      labels = canonical(current.withColumnRenamed("label", "community_id"));
      modularity = modularity(und, labels.withColumnRenamed("community_id", "label"));
    }
    return new Result(labels, iteration, stop, rounds, modularityLpa, modularity);
  }

  /**
   * Per vertex, the neighbour label of largest total weight, ties to the smallest label ({@code
   * voted}, {@code voted_score}), and the weight behind its current label ({@code own_score}).
   */
  static Dataset<Row> vote(Dataset<Row> adj, Dataset<Row> labels) {
    Dataset<Row> current = labels.select(col("id").as("l_id"), col("label").as("l_label"));
    Dataset<Row> own = labels.select(col("id").as("o_id"), col("label").as("o_label"));
    Dataset<Row> scores =
        adj.join(current, col("nbr").equalTo(col("l_id")), "inner")
            .groupBy(col("id"), col("l_label").as("label"))
            .agg(round(sum(col("weight")), SCALE).as("score"));
    return scores
        .join(own, col("id").equalTo(col("o_id")), "inner")
        .groupBy(col("id"))
        .agg(
            min_by(
                    struct(col("label").as("label"), col("score").as("score")),
                    struct(functions.negate(col("score")), col("label")))
                .as("best"),
            functions.max(when(col("label").equalTo(col("o_label")), col("score"))).as("own_score"))
        .select(
            col("id"),
            col("best.label").as("voted"),
            col("best.score").as("voted_score"),
            coalesce(col("own_score"), lit(0.0)).as("own_score"));
  }

  /**
   * Of the vertices whose best label beats their own strictly, those with no neighbouring such
   * vertex of smaller priority ({@code xxhash64(id, step)}, then id): an independent set that is
   * never empty while any vertex can improve.
   *
   * @param voted the output of {@link #vote}
   * @return the rows of {@code voted} that move in this step
   */
  static Dataset<Row> independentMovers(Dataset<Row> adj, Dataset<Row> voted, int step) {
    Dataset<Row> movers =
        voted
            .where(col("voted").isNotNull().and(col("own_score").lt(col("voted_score"))))
            .withColumn("priority", struct(xxhash64(col("id"), lit(step)).as("h"), col("id").as("i")));
    Dataset<Row> other = movers.select(col("id").as("m_id"), col("priority").as("m_priority"));
    Dataset<Row> blocked =
        adj.join(movers.select(col("id"), col("priority")), new String[] {"id"}, "inner")
            .join(other, col("nbr").equalTo(col("m_id")), "inner")
            .where(col("m_priority").lt(col("priority")))
            .select(col("id"))
            .distinct();
    return movers.join(blocked, new String[] {"id"}, "left_anti").drop("priority");
  }

  private static long differences(Dataset<Row> a, Dataset<Row> b) {
    return a.as("x")
        .join(b.as("y"), col("x.id").equalTo(col("y.id")), "inner")
        .where(col("x.label").notEqual(col("y.label")))
        .count();
  }

  /** Relabels each community by its smallest member: {@code id}, {@code community_id}. */
  static Dataset<Row> canonical(Dataset<Row> labels) {
    Dataset<Row> input = labels.toDF("id", "label_in");
    Dataset<Row> smallest =
        input.groupBy(col("label_in").as("l")).agg(min(col("id")).as("community_id"));
    return Lineage.cut(
        input
            .join(smallest, col("label_in").equalTo(col("l")), "inner")
            .select(col("id"), col("community_id")),
        0,
        1);
  }

  /**
   * Modularity {@code Q = Σ_c [ L_c / m - (D_c / 2m)^2 ]} of a partition of an undirected weighted
   * graph, where {@code m} is the total edge weight, {@code L_c} the weight inside community {@code
   * c} and {@code D_c} the total weighted degree of its members. 0 for an empty graph.
   *
   * @param undirected {@code a}, {@code b}, {@code weight}
   * @param labels {@code id}, {@code label}
   */
  public static double modularity(Dataset<Row> undirected, Dataset<Row> labels) {
    // Sums run in decimal, which adds exactly: a double sum depends on the order partitions arrive
    // in, and a rerun of the same day must report the same modularity to the last digit.
    Column w = col("weight").cast(EXACT);
    Dataset<Row> labelled = labelledEdges(undirected, labels);
    Row totals =
        labelled
            .agg(
                sum(w).as("m"),
                sum(when(col("la").equalTo(col("lb")), w).otherwise(lit(0).cast(EXACT))).as("inside"))
            .first();
    if (totals.isNullAt(0) || totals.getDecimal(0).signum() == 0) {
      return 0.0;
    }
    double m = totals.getDecimal(0).doubleValue();
    double inside = totals.getDecimal(1).doubleValue();
    Dataset<Row> degreeByCommunity =
        labelled
            .select(col("la").as("c"), w.as("weight"))
            .union(labelled.select(col("lb").as("c"), w.as("weight")))
            .groupBy("c")
            .agg(sum("weight").as("d"));
    Row expected =
        degreeByCommunity
            .agg(sum(pow(col("d").cast("double").divide(lit(2 * m)), 2).cast(EXACT)))
            .first();
    return inside / m - expected.getDecimal(0).doubleValue();
  }

  /** Decimal type of exact sums: 38 digits, 18 after the point. */
  private static final String EXACT = "decimal(38,18)";

  private static Dataset<Row> labelledEdges(Dataset<Row> undirected, Dataset<Row> labels) {
    Dataset<Row> la = labels.select(col("id").as("ia"), col("label").as("la"));
    Dataset<Row> lb = labels.select(col("id").as("ib"), col("label").as("lb"));
    return undirected
        .join(la, col("a").equalTo(col("ia")), "inner")
        .join(lb, col("b").equalTo(col("ib")), "inner")
        .select(col("a"), col("b"), col("weight"), col("la"), col("lb"));
  }

  /**
   * One merge round: for each community the neighbouring community whose merge gains most
   * modularity ({@code ΔQ = e_ij / m - D_i D_j / (2 m^2)}), kept when positive and mutual.
   *
   * @return {@code from}, {@code to} (the larger label of each merged pair renamed to the smaller)
   */
  static Dataset<Row> mergePairs(Dataset<Row> undirected, Dataset<Row> labels) {
    Dataset<Row> labelled = labelledEdges(undirected, labels);
    Dataset<Row> m = labelled.agg(sum("weight").as("m"));
    Dataset<Row> degree =
        labelled
            .select(col("la").as("c"), col("weight"))
            .union(labelled.select(col("lb").as("c"), col("weight")))
            .groupBy("c")
            .agg(sum("weight").as("d"));
    Dataset<Row> between =
        labelled
            .where(col("la").notEqual(col("lb")))
            .groupBy(least(col("la"), col("lb")).as("ci"), greatest(col("la"), col("lb")).as("cj"))
            .agg(sum("weight").as("e"));
    Dataset<Row> di = degree.select(col("c").as("ci"), col("d").as("di"));
    Dataset<Row> dj = degree.select(col("c").as("cj"), col("d").as("dj"));
    Dataset<Row> gains =
        between
            .join(di, new String[] {"ci"}, "inner")
            .join(dj, new String[] {"cj"}, "inner")
            .crossJoin(m)
            .select(
                col("ci"),
                col("cj"),
                round(
                        col("e")
                            .divide(col("m"))
                            .minus(
                                col("di")
                                    .multiply(col("dj"))
                                    .divide(lit(2.0).multiply(col("m")).multiply(col("m")))),
                        SCALE)
                    .as("gain"))
            .where(col("gain").gt(0));
    Dataset<Row> directed =
        gains
            .select(col("ci").as("c"), col("cj").as("other"), col("gain"))
            .union(gains.select(col("cj").as("c"), col("ci").as("other"), col("gain")));
    Dataset<Row> best =
        directed
            .groupBy("c")
            .agg(min_by(col("other"), struct(functions.negate(col("gain")), col("other"))).as("best"));
    Dataset<Row> back = best.select(col("c").as("b_c"), col("best").as("b_best"));
    return best.join(
            back,
            col("best").equalTo(col("b_c")).and(col("b_best").equalTo(col("c"))),
            "inner")
        .where(col("c").gt(col("best")))
        .select(col("c").as("from"), col("best").as("to"));
  }

  /** Number of communities in a labelling with column {@code community_id}. */
  static long communityCount(Dataset<Row> labels) {
    return labels.select("community_id").distinct().count();
  }
}
