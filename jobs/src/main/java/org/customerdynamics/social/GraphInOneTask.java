package org.customerdynamics.social;

import static org.apache.spark.sql.functions.col;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.catalyst.expressions.XXH64;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;

/**
 * PageRank and community detection of a graph small enough for one task: the task reads all the
 * edges and runs every iteration in memory, where the DataFrame versions ({@link PageRank}, {@link
 * Communities}) pay a few Spark jobs and shuffles per iteration. The social graph of a day is
 * usually far below the limit ({@code social.single-task-max-edges}), as identity's working graph is
 * below its own.
 *
 * <p>The steps are exactly theirs, so both give the same result: the same update rules, the same
 * ties (labels compared in Spark's string order, the same {@code xxhash64} priorities), scores and
 * gains rounded to 1e-9 as they are there, modularity summed in the same exact decimals. Only
 * floating-point sums may add in another order; the rounding makes a tie's outcome independent of
 * it, and PageRank's ranks agree to about 1e-15 relative.
 */
final class GraphInOneTask {
  private GraphInOneTask() {}

  private static final StructType RANKS =
      new StructType()
          .add("id", DataTypes.StringType)
          .add("pagerank", DataTypes.DoubleType)
          .add("vertices", DataTypes.LongType)
          .add("iterations", DataTypes.IntegerType)
          .add("converged", DataTypes.BooleanType)
          .add("delta", DataTypes.DoubleType);

  private static final StructType LABELS =
      new StructType()
          .add("id", DataTypes.StringType)
          .add("community_id", DataTypes.StringType)
          .add("iterations", DataTypes.IntegerType)
          .add("stop", DataTypes.StringType)
          .add("merge_rounds", DataTypes.IntegerType)
          .add("modularity_lpa", DataTypes.DoubleType)
          .add("modularity", DataTypes.DoubleType);

  /**
   * The edges as one task reads them ({@code src}, {@code dst} as strings, {@code weight} as double),
   * materialised: the task reads them through {@code coalesce(1)}, which would otherwise pull the
   * work that produces them into that one task.
   */
  static Dataset<Row> input(Dataset<Row> edges) {
    SocialTransforms.requireColumns(edges, "graph input", "src", "dst", "weight");
    return edges
        .select(
            col("src").cast("string").as("src"),
            col("dst").cast("string").as("dst"),
            col("weight").cast("double").as("weight"))
        .localCheckpoint(true);
  }

  /** {@link PageRank#run} in one task; {@code input} as given by {@link #input}. */
  static PageRank.Result pageRank(
      Dataset<Row> input, double damping, double tolerance, int maxIterations) {
    Dataset<Row> out =
        Lineage.cut(
            input
                .coalesce(1)
                .mapPartitions(pageRankTask(damping, tolerance, maxIterations), Encoders.row(RANKS)),
            0,
            1);
    List<Row> first = out.limit(1).collectAsList();
    Dataset<Row> ranks = out.select("id", "pagerank");
    if (first.isEmpty()) {
      return new PageRank.Result(ranks, 0, 0, true, 0.0);
    }
    Row stats = first.get(0);
    return new PageRank.Result(
        ranks, stats.getLong(2), stats.getInt(3), stats.getBoolean(4), stats.getDouble(5));
  }

  /** {@link Communities#detect} in one task; {@code input} as given by {@link #input}. */
  static Communities.Result communities(
      Dataset<Row> input, int maxIterations, boolean merge, int mergeMaxRounds) {
    Dataset<Row> out =
        Lineage.cut(
            input
                .coalesce(1)
                .mapPartitions(
                    communitiesTask(maxIterations, merge, mergeMaxRounds), Encoders.row(LABELS)),
            0,
            1);
    List<Row> first = out.limit(1).collectAsList();
    Dataset<Row> labels = out.select("id", "community_id");
    if (first.isEmpty()) {
      // No vertex: the first step changes nothing, as it does in the DataFrame version.
      return maxIterations > 0
          ? new Communities.Result(labels, 1, "converged", 0, 0.0, 0.0)
          : new Communities.Result(labels, 0, "max-iterations", 0, 0.0, 0.0);
    }
    Row stats = first.get(0);
    return new Communities.Result(
        labels, stats.getInt(2), stats.getString(3), stats.getInt(4), stats.getDouble(5), stats.getDouble(6));
  }

  private static MapPartitionsFunction<Row, Row> pageRankTask(
      double damping, double tolerance, int maxIterations) {
    return rows -> {
      Graph g = Graph.read(rows, true);
      int n = g.names.size();
      if (n == 0) {
        return Collections.emptyIterator();
      }
      double[] outWeight = new double[n];
      for (int e = 0; e < g.edges; e++) {
        outWeight[g.src[e]] += g.weight[e];
      }
      double[] p = new double[g.edges];
      for (int e = 0; e < g.edges; e++) {
        p[e] = g.weight[e] / outWeight[g.src[e]];
      }
      double[] rank = new double[n];
      Arrays.fill(rank, 1.0);
      double[] received = new double[n];
      int iteration = 0;
      double delta = Double.MAX_VALUE;
      boolean converged = false;
      while (iteration < maxIterations) {
        iteration++;
        Arrays.fill(received, 0.0);
        for (int e = 0; e < g.edges; e++) {
          received[g.dst[e]] += rank[g.src[e]] * p[e];
        }
        double change = 0.0;
        for (int v = 0; v < n; v++) {
          double next = (1.0 - damping) + damping * received[v];
          change += Math.abs(next - rank[v]);
          rank[v] = next;
        }
        delta = change / n;
        if (delta < tolerance) {
          converged = true;
          break;
        }
      }
      double total = 0.0;
      for (double r : rank) {
        total += r;
      }
      double scale = n / total;
      List<Row> out = new ArrayList<>(n);
      for (int v = 0; v < n; v++) {
        out.add(RowFactory.create(g.names.get(v), rank[v] * scale, (long) n, iteration, converged, delta));
      }
      return out.iterator();
    };
  }

  private static MapPartitionsFunction<Row, Row> communitiesTask(
      int maxIterations, boolean merge, int mergeMaxRounds) {
    return rows -> {
      Undirected g = Undirected.of(Graph.read(rows, false));
      int n = g.names.length;
      if (n == 0) {
        return Collections.emptyIterator();
      }
      int[] labels = new int[n];
      for (int v = 0; v < n; v++) {
        labels[v] = v;
      }
      int[] previous = null;
      boolean semi = false;
      long lastChanged = Long.MAX_VALUE;
      int iteration = 0;
      String stop = "max-iterations";
      while (iteration < maxIterations) {
        iteration++;
        int[] next = g.step(labels, semi, iteration);
        long changed = differences(next, labels);
        if (changed == 0) {
          stop = semi ? "converged-semi-synchronous" : "converged";
          labels = next;
          break;
        }
        if (!semi && (changed >= lastChanged || (previous != null && differences(next, previous) == 0))) {
          semi = true;
        }
        lastChanged = changed;
        previous = labels;
        labels = next;
      }
      labels = canonical(labels);
      double modularityLpa = g.modularity(labels);
      int rounds = 0;
      double modularity = modularityLpa;
      if (merge) {
        int[] current = labels;
        while (rounds < mergeMaxRounds) {
          int[] to = g.mergePairs(current);
          if (to == null) {
            break;
          }
          rounds++;
          for (int v = 0; v < n; v++) {
            if (to[current[v]] >= 0) {
              current[v] = to[current[v]];
            }
          }
        }
        labels = canonical(current);
        modularity = g.modularity(labels);
      }
      List<Row> out = new ArrayList<>(n);
      for (int v = 0; v < n; v++) {
        out.add(
            RowFactory.create(
                g.names[v], g.names[labels[v]], iteration, stop, rounds, modularityLpa, modularity));
      }
      return out.iterator();
    };
  }

  private static long differences(int[] a, int[] b) {
    long d = 0;
    for (int v = 0; v < a.length; v++) {
      if (a[v] != b[v]) {
        d++;
      }
    }
    return d;
  }

  /** Each vertex labelled by the smallest vertex of its label (vertices are numbered in id order). */
  private static int[] canonical(int[] labels) {
    int[] smallest = new int[labels.length];
    Arrays.fill(smallest, Integer.MAX_VALUE);
    for (int v = 0; v < labels.length; v++) {
      smallest[labels[v]] = Math.min(smallest[labels[v]], v);
    }
    int[] out = new int[labels.length];
    for (int v = 0; v < labels.length; v++) {
      out[v] = smallest[labels[v]];
    }
    return out;
  }

  /** Spark's {@code round(x, 9)} of a double: half up, on its shortest decimal form. */
  static double round9(double x) {
    if (Double.isNaN(x) || Double.isInfinite(x)) {
      return x;
    }
    return BigDecimal.valueOf(x).setScale(9, RoundingMode.HALF_UP).doubleValue();
  }

  /** Spark's cast of a double to {@code decimal(38,18)}. */
  private static BigDecimal exact(double x) {
    return BigDecimal.valueOf(x).setScale(18, RoundingMode.HALF_UP);
  }

  /** Directed edges read by a task: vertices numbered as first seen, rows with weight &gt; 0. */
  private static final class Graph {
    final List<String> names = new ArrayList<>();
    int edges;
    int[] src = new int[1024];
    int[] dst = new int[1024];
    double[] weight = new double[1024];

    /**
     * @param selfLoops whether a row from a vertex to itself is kept (PageRank keeps it;
     *     communities, on the undirected graph, do not)
     */
    static Graph read(Iterator<Row> rows, boolean selfLoops) {
      Graph g = new Graph();
      Map<String, Integer> index = new HashMap<>();
      while (rows.hasNext()) {
        Row r = rows.next();
        if (r.isNullAt(0) || r.isNullAt(1) || r.isNullAt(2) || !(r.getDouble(2) > 0)) {
          continue;
        }
        String s = r.getString(0);
        String d = r.getString(1);
        if (!selfLoops && s.equals(d)) {
          continue;
        }
        if (g.edges == g.src.length) {
          g.src = Arrays.copyOf(g.src, g.edges * 2);
          g.dst = Arrays.copyOf(g.dst, g.edges * 2);
          g.weight = Arrays.copyOf(g.weight, g.edges * 2);
        }
        g.src[g.edges] = index.computeIfAbsent(s, k -> add(g.names, k));
        g.dst[g.edges] = index.computeIfAbsent(d, k -> add(g.names, k));
        g.weight[g.edges] = r.getDouble(2);
        g.edges++;
      }
      return g;
    }

    private static int add(List<String> names, String name) {
      names.add(name);
      return names.size() - 1;
    }
  }

  /**
   * The undirected graph of {@link Communities#undirected}: one edge per pair of distinct vertices,
   * the weights of both directions added, vertices numbered in Spark's string order (so the smaller
   * number is the smaller id), with both directions' adjacency lists.
   */
  private static final class Undirected {
    String[] names;
    UTF8String[] utf8;
    int[] a;
    int[] b;
    double[] w;
    int[] start;
    int[] nbr;
    double[] nbrWeight;

    static Undirected of(Graph d) {
      Undirected g = new Undirected();
      int n = d.names.size();
      UTF8String[] raw = new UTF8String[n];
      Integer[] order = new Integer[n];
      for (int v = 0; v < n; v++) {
        raw[v] = UTF8String.fromString(d.names.get(v));
        order[v] = v;
      }
      Arrays.sort(order, (x, y) -> raw[x].compareTo(raw[y]));
      int[] number = new int[n];
      g.names = new String[n];
      g.utf8 = new UTF8String[n];
      for (int i = 0; i < n; i++) {
        number[order[i]] = i;
        g.names[i] = d.names.get(order[i]);
        g.utf8[i] = raw[order[i]];
      }
      Map<Long, Double> pairs = new HashMap<>();
      for (int e = 0; e < d.edges; e++) {
        int x = number[d.src[e]];
        int y = number[d.dst[e]];
        pairs.merge(key(Math.min(x, y), Math.max(x, y)), d.weight[e], Double::sum);
      }
      int m = pairs.size();
      g.a = new int[m];
      g.b = new int[m];
      g.w = new double[m];
      int[] degree = new int[n + 1];
      int e = 0;
      for (Map.Entry<Long, Double> p : pairs.entrySet()) {
        g.a[e] = (int) (p.getKey() >>> 32);
        g.b[e] = (int) (long) p.getKey();
        g.w[e] = p.getValue();
        degree[g.a[e]]++;
        degree[g.b[e]]++;
        e++;
      }
      g.start = new int[n + 1];
      for (int v = 0; v < n; v++) {
        g.start[v + 1] = g.start[v] + degree[v];
      }
      int[] fill = Arrays.copyOf(g.start, n);
      g.nbr = new int[2 * m];
      g.nbrWeight = new double[2 * m];
      for (e = 0; e < m; e++) {
        g.nbr[fill[g.a[e]]] = g.b[e];
        g.nbrWeight[fill[g.a[e]]++] = g.w[e];
        g.nbr[fill[g.b[e]]] = g.a[e];
        g.nbrWeight[fill[g.b[e]]++] = g.w[e];
      }
      return g;
    }

    private static long key(int x, int y) {
      return ((long) x << 32) | (y & 0xffffffffL);
    }

    /**
     * One step of label propagation ({@link Communities#vote}, then every vertex whose best label
     * beats its own moves, or in independent-set mode those of {@link
     * Communities#independentMovers}).
     */
    int[] step(int[] labels, boolean semi, int step) {
      int n = names.length;
      int[] voted = new int[n];
      boolean[] wants = new boolean[n];
      double[] score = new double[n];
      int[] seen = new int[n];
      Arrays.fill(seen, -1);
      int[] touched = new int[n];
      for (int v = 0; v < n; v++) {
        int count = 0;
        for (int k = start[v]; k < start[v + 1]; k++) {
          int label = labels[nbr[k]];
          if (seen[label] != v) {
            seen[label] = v;
            score[label] = 0.0;
            touched[count++] = label;
          }
          score[label] += nbrWeight[k];
        }
        int best = -1;
        double bestScore = 0.0;
        double own = 0.0;
        for (int i = 0; i < count; i++) {
          int label = touched[i];
          double s = round9(score[label]);
          if (best < 0 || s > bestScore || (s == bestScore && label < best)) {
            best = label;
            bestScore = s;
          }
          if (label == labels[v]) {
            own = s;
          }
        }
        voted[v] = best;
        wants[v] = best >= 0 && own < bestScore;
      }
      long[] priority = null;
      if (semi) {
        priority = new long[n];
        for (int v = 0; v < n; v++) {
          if (wants[v]) {
            // xxhash64(id, step) as Spark computes it (seed 42, column by column).
            priority[v] = XXH64.hashInt(step, XXH64.hashUTF8String(utf8[v], 42L));
          }
        }
      }
      int[] next = Arrays.copyOf(labels, n);
      for (int v = 0; v < n; v++) {
        if (!wants[v]) {
          continue;
        }
        boolean blocked = false;
        if (semi) {
          for (int k = start[v]; k < start[v + 1] && !blocked; k++) {
            int u = nbr[k];
            blocked = wants[u] && (priority[u] < priority[v] || (priority[u] == priority[v] && u < v));
          }
        }
        if (!blocked) {
          next[v] = voted[v];
        }
      }
      return next;
    }

    /** {@link Communities#modularity}, in the same exact decimals. */
    double modularity(int[] labels) {
      BigDecimal m = BigDecimal.ZERO.setScale(18);
      BigDecimal inside = m;
      BigDecimal[] degree = new BigDecimal[names.length];
      for (int e = 0; e < a.length; e++) {
        BigDecimal x = exact(w[e]);
        int la = labels[a[e]];
        int lb = labels[b[e]];
        m = m.add(x);
        if (la == lb) {
          inside = inside.add(x);
        }
        degree[la] = degree[la] == null ? x : degree[la].add(x);
        degree[lb] = degree[lb] == null ? x : degree[lb].add(x);
      }
      if (m.signum() == 0) {
        return 0.0;
      }
      double total = m.doubleValue();
      BigDecimal expected = BigDecimal.ZERO;
      for (BigDecimal d : degree) {
        if (d != null) {
          expected = expected.add(exact(StrictMath.pow(d.doubleValue() / (2 * total), 2)));
        }
      }
      return inside.doubleValue() / total - expected.doubleValue();
    }

    /**
     * One round of {@link Communities#mergePairs}: per community the label it is renamed to, or
     * -1; null when no pair merges.
     */
    int[] mergePairs(int[] labels) {
      int n = names.length;
      double m = 0.0;
      double[] degree = new double[n];
      Map<Long, Double> between = new HashMap<>();
      for (int e = 0; e < a.length; e++) {
        int la = labels[a[e]];
        int lb = labels[b[e]];
        m += w[e];
        degree[la] += w[e];
        degree[lb] += w[e];
        if (la != lb) {
          between.merge(key(Math.min(la, lb), Math.max(la, lb)), w[e], Double::sum);
        }
      }
      int[] best = new int[n];
      Arrays.fill(best, -1);
      double[] bestGain = new double[n];
      for (Map.Entry<Long, Double> p : between.entrySet()) {
        int ci = (int) (p.getKey() >>> 32);
        int cj = (int) (long) p.getKey();
        double gain = round9(p.getValue() / m - degree[ci] * degree[cj] / (2.0 * m * m));
        if (gain > 0) {
          for (int side = 0; side < 2; side++) {
            int c = side == 0 ? ci : cj;
            int other = side == 0 ? cj : ci;
            if (best[c] < 0 || gain > bestGain[c] || (gain == bestGain[c] && other < best[c])) {
              best[c] = other;
              bestGain[c] = gain;
            }
          }
        }
      }
      int[] to = new int[n];
      Arrays.fill(to, -1);
      boolean any = false;
      for (int c = 0; c < n; c++) {
        if (best[c] >= 0 && best[c] < c && best[best[c]] == c) {
          to[c] = best[c];
          any = true;
        }
      }
      return any ? to : null;
    }
  }
}
