package org.customerdynamics.identity;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.function.Function;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoder;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.unsafe.types.UTF8String;
import org.customerdynamics.common.CdxException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * Connected components of an undirected graph, DataFrame-native: the large-star / small-star
 * alternation of Kiveris et al., "Connected Components in MapReduce and Beyond" (SoCC 2014), the method
 * GraphFrames uses. Each round is a handful of shuffles; lineage is cut with {@code localCheckpoint}
 * every few rounds, where convergence is also tested. It converges in O(log² n) rounds, also on long
 * chains, where label propagation (GraphX) needs as many supersteps as the graph's diameter.
 *
 * <p>With a limit of {@code singleTaskMaxEdges} edges per task, the rounds are not needed: a graph of at
 * most that many edges gets its components in one task, which reads all its edges and joins them with
 * union-find. Below some size a graph costs less in one task than the rounds' shuffles and jobs cost on
 * any cluster: identity's daily working graph is usually far below it. A larger graph is split into
 * pieces of about the limit, one task each, joined with union-find the same way; a vertex that two
 * pieces share links their components in a contracted graph, one vertex per piece's component, which is
 * solved the same way until it fits one task. Each level holds about the limit per task. The rounds
 * remain the way when the limit is 0, and for what is left when a contraction leaves more than three
 * quarters of the graph.
 *
 * <p>Every way labels components by their smallest vertex, exactly as GraphX labels them, so they can
 * be compared row for row. Rows with a null endpoint are not edges and are ignored.
 */
public final class ConnectedComponents {
  private static final Logger LOG = LoggerFactory.getLogger(ConnectedComponents.class);

  private ConnectedComponents() {}

  /**
   * Components of a graph given by its edges.
   *
   * @param edges columns {@code src} and {@code dst} (bigint); direction and duplicates are ignored, a
   *     self-loop {@code (v, v)} declares an isolated vertex
   * @param maxRounds rounds after which to give up (each round is one large-star and one small-star)
   * @param checkpointEvery rounds between checkpoints and convergence tests (1 = every round)
   * @param singleTaskMaxEdges the most edges (duplicates and self-loops counted) one task joins with
   *     union-find: a graph of at most this many takes one task, a larger one is split into pieces of
   *     about this many and contracted; 0 = always by rounds
   * @return {@code vertex}, {@code component} (bigint): one row per vertex, the component named by its
   *     smallest vertex
   */
  public static Dataset<Row> ofLongs(
      Dataset<Row> edges, int maxRounds, int checkpointEvery, long singleTaskMaxEdges) {
    Dataset<Row> pairs =
        edges
            .select(col("src").cast("bigint").as("src"), col("dst").cast("bigint").as("dst"))
            .filter(col("src").isNotNull().and(col("dst").isNotNull()));
    if (singleTaskMaxEdges > 0) {
      pairs = pairs.localCheckpoint(true);
      long count = pairs.count();
      if (takesOneTask(count, singleTaskMaxEdges)) {
        return inOneTask(pairs, Encoders.LONG(), Comparator.<Long>naturalOrder(), "vertex");
      }
      return inPieces(
          pairs,
          count,
          singleTaskMaxEdges,
          Encoders.LONG(),
          Comparator.<Long>naturalOrder(),
          "vertex",
          rest -> byRounds(rest, maxRounds, checkpointEvery));
    }
    return byRounds(pairs, maxRounds, checkpointEvery);
  }

  /** Whether a graph of {@code edges} edges gets its components in one task rather than by rounds. */
  public static boolean takesOneTask(long edges, long singleTaskMaxEdges) {
    return singleTaskMaxEdges > 0 && edges <= singleTaskMaxEdges;
  }

  /** Large-star / small-star rounds until the edges form a star forest. */
  private static Dataset<Row> byRounds(Dataset<Row> pairs, int maxRounds, int checkpointEvery) {
    Dataset<Row> vertices =
        pairs.select(col("src").as("vertex")).union(pairs.select(col("dst").as("vertex"))).distinct();
    // Oriented from the larger to the smaller endpoint: (src > dst).
    Dataset<Row> e =
        pairs
            .filter(col("src").notEqual(col("dst")))
            .select(greatest(col("src"), col("dst")).as("src"), least(col("src"), col("dst")).as("dst"))
            .distinct()
            .localCheckpoint(true);
    int round = 0;
    boolean converged = false;
    while (!converged) {
      if (round >= maxRounds) {
        throw new CdxException(
            "Cannot compute connected components: no convergence after "
                + maxRounds
                + " rounds; raise identity.max-iterations");
      }
      e = smallStar(largeStar(e));
      round++;
      if (round % checkpointEvery == 0) {
        e = e.localCheckpoint(true);
        converged = isStarForest(e);
      }
    }
    LOG.info("connected components converged after {} rounds", round);
    return vertices
        .join(e, vertices.col("vertex").equalTo(e.col("src")), "left_outer")
        .select(vertices.col("vertex"), coalesce(e.col("dst"), vertices.col("vertex")).as("component"));
  }

  /**
   * All edges in one task, joined with union-find; the output is one partition. {@code pairs} (columns
   * src, dst of type T, no nulls) should be materialized: the task reads it through {@code coalesce(1)}.
   */
  private static <T> Dataset<Row> inOneTask(
      Dataset<Row> pairs, Encoder<T> type, Comparator<T> order, String vertexColumn) {
    return pairs
        .coalesce(1)
        .mapPartitions(unionFind(order), Encoders.tuple(type, type))
        .toDF(vertexColumn, "component");
  }

  /** Each task's edges joined with union-find: (vertex, smallest vertex of its set) per vertex seen. */
  private static <T> MapPartitionsFunction<Row, Tuple2<T, T>> unionFind(Comparator<T> order) {
    return rows -> {
      UnionFind<T> forest = new UnionFind<>(order);
      while (rows.hasNext()) {
        Row r = rows.next();
        forest.union(r.<T>getAs(0), r.<T>getAs(1));
      }
      return forest.components();
    };
  }

  /**
   * A graph over the one-task limit: its edges are split by hash into pieces of about {@code limit}
   * edges, one task each, and each task names every vertex it saw by the smallest vertex of its set
   * there (its root). A vertex named by several pieces takes the smallest of its roots as its name and
   * links it to the others: these links are the contracted graph, solved the same way (in one task once
   * it fits). A vertex's component is its name's component in the contracted graph, or its name where
   * the name has no link. Components are so named by their smallest vertex: a root is the smallest
   * vertex of its set, and the sets of one component are linked through the vertices they share.
   *
   * @param pairs columns src, dst of type T, no nulls, materialized; {@code count} rows
   * @param rounds the components of a contracted graph of more than three quarters of the edges of
   *     the graph it came from (columns src, dst; returns the vertex column and component): each level
   *     in pieces leaves at most three quarters, so there are at most log4/3(count / limit) of them
   */
  private static <T> Dataset<Row> inPieces(
      Dataset<Row> pairs,
      long count,
      long limit,
      Encoder<T> type,
      Comparator<T> order,
      String vertexColumn,
      Function<Dataset<Row>, Dataset<Row>> rounds) {
    List<Dataset<Row>> names = new ArrayList<>();
    Dataset<Row> graph = pairs;
    long edges = count;
    Dataset<Row> top = null;
    while (true) {
      if (takesOneTask(edges, limit)) {
        top = inOneTask(graph, type, order, "v");
        break;
      }
      int pieces = (int) Math.min(Integer.MAX_VALUE, (edges + limit - 1) / limit);
      Dataset<Row> roots =
          graph
              .repartition(pieces, col("src"), col("dst"))
              .mapPartitions(unionFind(order), Encoders.tuple(type, type))
              .toDF("v", "root")
              .localCheckpoint(true);
      Dataset<Row> named = roots.groupBy("v").agg(min("root").as("name")).localCheckpoint(true);
      Dataset<Row> links =
          roots
              .join(named, "v")
              .filter(col("root").notEqual(col("name")))
              .select(col("name").as("src"), col("root").as("dst"))
              .distinct()
              .localCheckpoint(true);
      names.add(named);
      long linked = links.count();
      LOG.info(
          "connected components: {} edges in {} pieces of about {} at most, {} links between them",
          edges, pieces, limit, linked);
      if (linked == 0) {
        break;
      }
      if (linked * 4 > edges * 3) {
        // Pieces much smaller than the graph's structure (a chain whose labels grow along it, over many
        // tasks) contract it little; the rounds then take the rest in O(log² n) rounds, as they would
        // the whole graph.
        top = rounds.apply(links).toDF("v", "component");
        break;
      }
      graph = links;
      edges = linked;
    }
    Dataset<Row> labels = top;
    for (int level = names.size() - 1; level >= 0; level--) {
      Dataset<Row> named = names.get(level);
      labels =
          labels == null
              ? named.select(col("v"), col("name").as("component"))
              : named
                  .join(
                      labels.select(col("v").as("name_v"), col("component").as("name_component")),
                      col("name").equalTo(col("name_v")),
                      "left_outer")
                  .select(col("v"), coalesce(col("name_component"), col("name")).as("component"));
    }
    return labels.toDF(vertexColumn, "component");
  }

  /**
   * Union-find over vertices of any type, each set rooted at its smallest vertex (the root of a union
   * is the smaller of the two roots), with path halving.
   */
  static final class UnionFind<T> {
    private final Comparator<T> order;
    private final Map<T, Integer> index = new HashMap<>();
    private final List<T> vertices = new ArrayList<>();
    private int[] parent = new int[1024];

    UnionFind(Comparator<T> order) {
      this.order = order;
    }

    private int add(T v) {
      Integer known = index.get(v);
      if (known != null) {
        return known;
      }
      int i = vertices.size();
      index.put(v, i);
      vertices.add(v);
      if (i == parent.length) {
        parent = Arrays.copyOf(parent, 2 * i);
      }
      parent[i] = i;
      return i;
    }

    private int find(int i) {
      while (parent[i] != i) {
        parent[i] = parent[parent[i]];
        i = parent[i];
      }
      return i;
    }

    /** Joins the sets of a and b (adding either if new; a == b only adds it). */
    void union(T a, T b) {
      int ra = find(add(a));
      int rb = find(add(b));
      if (ra == rb) {
        return;
      }
      if (order.compare(vertices.get(ra), vertices.get(rb)) < 0) {
        parent[rb] = ra;
      } else {
        parent[ra] = rb;
      }
    }

    /** (vertex, smallest vertex of its set) for every vertex, in the order they were added. */
    Iterator<Tuple2<T, T>> components() {
      int n = vertices.size();
      return new Iterator<>() {
        private int i = 0;

        @Override
        public boolean hasNext() {
          return i < n;
        }

        @Override
        public Tuple2<T, T> next() {
          if (i >= n) {
            throw new NoSuchElementException();
          }
          Tuple2<T, T> t = new Tuple2<>(vertices.get(i), vertices.get(find(i)));
          i++;
          return t;
        }
      };
    }
  }

  /**
   * Strings in Spark's order (UTF8String's, by UTF-8 bytes), so that both ways name a component by the
   * same node; Java's String order (UTF-16 units) differs beyond the Basic Multilingual Plane.
   */
  static final class Utf8Order implements Comparator<String>, java.io.Serializable {
    private static final long serialVersionUID = 1L;

    @Override
    public int compare(String a, String b) {
      return UTF8String.fromString(a).compareTo(UTF8String.fromString(b));
    }
  }

  /**
   * Large-star: every vertex u links its larger neighbours (and not itself) to the smallest vertex of
   * its closed neighbourhood. Input and output edges are oriented src &gt; dst.
   */
  static Dataset<Row> largeStar(Dataset<Row> e) {
    // Each round reads its input once (explode rather than union), so plans grow linearly.
    Dataset<Row> sym =
        e.select(
                explode(
                        array(
                            struct(col("src").as("u"), col("dst").as("v")),
                            struct(col("dst").as("u"), col("src").as("v"))))
                    .as("pair"))
            .select(col("pair.u").as("u"), col("pair.v").as("v"));
    return sym.withColumn("m", least(col("u"), min(col("v")).over(Window.partitionBy("u"))))
        .filter(col("v").gt(col("u")))
        .select(col("v").as("src"), col("m").as("dst"));
  }

  /**
   * Small-star: every vertex u links itself and its smaller neighbours to the smallest of them. Input
   * and output edges are oriented src &gt; dst.
   */
  static Dataset<Row> smallStar(Dataset<Row> e) {
    return e.withColumn("m", min(col("dst")).over(Window.partitionBy("src")))
        .select(
            explode(
                    array(
                        struct(col("dst").as("src"), col("m").as("dst")),
                        struct(col("src").as("src"), col("m").as("dst"))))
                .as("pair"))
        .select(col("pair.src").as("src"), col("pair.dst").as("dst"))
        .filter(col("src").notEqual(col("dst")))
        .distinct();
  }

  /** Every vertex points to one root, and no root points anywhere: the components are found. */
  static boolean isStarForest(Dataset<Row> e) {
    // One aggregation per vertex, one Spark action: a vertex breaks the star forest when it points
    // to more than one vertex, or points somewhere while another points to it (a root that points).
    Dataset<Row> ends =
        e.select(
                explode(
                        array(
                            struct(col("src").as("v"), lit(1).as("out"), lit(0).as("in")),
                            struct(col("dst").as("v"), lit(0).as("out"), lit(1).as("in"))))
                    .as("end"))
            .select(col("end.v").as("v"), col("end.out").as("out"), col("end.in").as("in"));
    return ends.groupBy("v")
        .agg(sum("out").as("outs"), max("in").as("ins"))
        .filter(col("outs").gt(1).or(col("outs").geq(1).and(col("ins").geq(1))))
        .isEmpty();
  }

  /**
   * Components of a graph whose vertices are strings (e.g. identifier nodes {@code em:3fa2…}), in
   * one task or in pieces as for {@link #ofLongs}, or by rounds over the vertices numbered.
   *
   * @param input columns {@code src}, {@code dst} (string); a self-loop declares an isolated vertex
   * @param singleTaskMaxEdges as for {@link #ofLongs}
   * @return {@code node}, {@code component} (string): the component named by its smallest node
   */
  public static Dataset<Row> ofStrings(
      Dataset<Row> input, int maxRounds, int checkpointEvery, long singleTaskMaxEdges) {
    // The edges are counted, then (by rounds) read four times more (the sort's sample, zipWithIndex's
    // partition sizes, the dictionary and the numbering): materialize them once rather than re-running
    // their plan each time.
    Dataset<Row> edges =
        input
            .select("src", "dst")
            .filter(col("src").isNotNull().and(col("dst").isNotNull()))
            .localCheckpoint(true);
    if (singleTaskMaxEdges > 0) {
      long count = edges.count();
      if (takesOneTask(count, singleTaskMaxEdges)) {
        return inOneTask(edges, Encoders.STRING(), new Utf8Order(), "node");
      }
      // Spark orders strings as Utf8Order does, so min() over names picks the same node the pieces do.
      return inPieces(
          edges,
          count,
          singleTaskMaxEdges,
          Encoders.STRING(),
          new Utf8Order(),
          "node",
          rest -> stringsByRounds(rest, maxRounds, checkpointEvery));
    }
    return stringsByRounds(edges, maxRounds, checkpointEvery);
  }

  /**
   * Rounds over string vertices: numbered in sorted order (the smallest number is the smallest
   * string), solved as longs, named back. {@code edges} (src, dst, no nulls) should be materialized.
   */
  private static Dataset<Row> stringsByRounds(Dataset<Row> edges, int maxRounds, int checkpointEvery) {
    SparkSession spark = edges.sparkSession();
    Dataset<Row> nodes =
        edges
            .select(col("src").as("node"))
            .union(edges.select(col("dst").as("node")))
            .distinct()
            .orderBy("node");
    JavaRDD<Row> numbered =
        nodes
            .javaRDD()
            .zipWithIndex()
            .map((Tuple2<Row, Long> t) -> RowFactory.create(t._1().getString(0), t._2()));
    StructType schema =
        new StructType()
            .add("node", DataTypes.StringType, false)
            .add("id", DataTypes.LongType, false);
    Dataset<Row> dictionary = spark.createDataFrame(numbered, schema).localCheckpoint(true);
    Dataset<Row> numberedEdges =
        edges
            .join(
                dictionary.select(col("node").as("s"), col("id").as("s_id")),
                edges.col("src").equalTo(col("s")),
                "inner")
            .join(
                dictionary.select(col("node").as("d"), col("id").as("d_id")),
                edges.col("dst").equalTo(col("d")),
                "inner")
            .select(col("s_id").as("src"), col("d_id").as("dst"));
    Dataset<Row> components = byRounds(numberedEdges, maxRounds, checkpointEvery);
    return components
        .join(dictionary.select(col("node"), col("id").as("vid")), col("vertex").equalTo(col("vid")), "inner")
        .join(
            dictionary.select(col("node").as("component_node"), col("id").as("cid")),
            col("component").equalTo(col("cid")),
            "inner")
        .select(col("node"), col("component_node").as("component"));
  }
}
