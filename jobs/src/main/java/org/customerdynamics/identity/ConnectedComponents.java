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

import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
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
 * <p>Components are labelled by their smallest vertex, exactly as GraphX labels them, so the two can
 * be compared row for row.
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
   * @return {@code vertex}, {@code component} (bigint): one row per vertex, the component named by its
   *     smallest vertex
   */
  public static Dataset<Row> ofLongs(Dataset<Row> edges, int maxRounds, int checkpointEvery) {
    Dataset<Row> vertices =
        edges
            .select(col("src").cast("bigint").as("vertex"))
            .union(edges.select(col("dst").cast("bigint").as("vertex")))
            .distinct();
    // Oriented from the larger to the smaller endpoint: (src > dst).
    Dataset<Row> e =
        edges
            .filter(col("src").notEqual(col("dst")))
            .select(
                greatest(col("src"), col("dst")).cast("bigint").as("src"),
                least(col("src"), col("dst")).cast("bigint").as("dst"))
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
   * Components of a graph whose vertices are strings (e.g. identifier nodes {@code em:3fa2…}).
   * Vertices are numbered in sorted order, so the smallest number is the smallest string.
   *
   * @param input columns {@code src}, {@code dst} (string); a self-loop declares an isolated vertex
   * @return {@code node}, {@code component} (string): the component named by its smallest node
   */
  public static Dataset<Row> ofStrings(Dataset<Row> input, int maxRounds, int checkpointEvery) {
    SparkSession spark = input.sparkSession();
    // The edges are read four times below (the sort's sample, zipWithIndex's partition sizes, the
    // dictionary and the numbering): materialize them once rather than re-running their plan each time.
    Dataset<Row> edges = input.select("src", "dst").localCheckpoint(true);
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
    Dataset<Row> components = ofLongs(numberedEdges, maxRounds, checkpointEvery);
    return components
        .join(dictionary.select(col("node"), col("id").as("vid")), col("vertex").equalTo(col("vid")), "inner")
        .join(
            dictionary.select(col("node").as("component_node"), col("id").as("cid")),
            col("component").equalTo(col("cid")),
            "inner")
        .select(col("node"), col("component_node").as("component"));
  }
}
