package org.customerdynamics.identity;

import org.apache.spark.graphx.Edge;
import org.apache.spark.graphx.Graph;
import org.apache.spark.rdd.RDD;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.apache.spark.storage.StorageLevel;
import scala.Option;
import scala.Tuple2;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/**
 * GraphX's connectedComponents and PageRank, the oracles our DataFrame components and PageRank are
 * checked against (and the benchmark peers).
 */
public final class GraphXOracle {
  private GraphXOracle() {}

  /**
   * @param edges {@code src}, {@code dst} (bigint)
   * @return {@code vertex}, {@code component} (bigint), the component named by its smallest vertex
   */
  public static Dataset<Row> components(Dataset<Row> edges) {
    RDD<Tuple2<Object, Object>> tuples =
        edges
            .javaRDD()
            .map(r -> new Tuple2<Object, Object>(r.getLong(0), r.getLong(1)))
            .rdd();
    ClassTag<Object> anyTag = ClassTag$.MODULE$.apply(Object.class);
    Graph<Object, Object> graph =
        Graph.fromEdgeTuples(
            tuples,
            (Object) Integer.valueOf(0),
            Option.empty(),
            StorageLevel.MEMORY_AND_DISK(),
            StorageLevel.MEMORY_AND_DISK(),
            anyTag);
    Graph<Object, Object> cc =
        org.apache.spark.graphx.lib.ConnectedComponents.run(graph, anyTag, anyTag);
    var rows =
        cc.vertices().toJavaRDD().map(t -> RowFactory.create((Long) t._1(), (Long) t._2()));
    StructType schema =
        new StructType()
            .add("vertex", DataTypes.LongType, false)
            .add("component", DataTypes.LongType, false);
    return edges.sparkSession().createDataFrame(rows, schema);
  }

  /**
   * GraphX's {@code PageRank.run}: {@code iterations} iterations with reset probability {@code
   * resetProb}; every row is one edge (parallel rows are parallel edges).
   *
   * @param edges {@code src}, {@code dst} (bigint)
   * @return {@code vertex} (bigint), {@code pagerank} (double)
   */
  public static Dataset<Row> pageRank(Dataset<Row> edges, int iterations, double resetProb) {
    RDD<Edge<Object>> list =
        edges.javaRDD().map(r -> new Edge<Object>(r.getLong(0), r.getLong(1), (Object) 1.0)).rdd();
    ClassTag<Object> anyTag = ClassTag$.MODULE$.apply(Object.class);
    Graph<Object, Object> graph =
        Graph.fromEdges(
            list,
            (Object) 1.0,
            StorageLevel.MEMORY_AND_DISK(),
            StorageLevel.MEMORY_AND_DISK(),
            anyTag,
            anyTag);
    Graph<Object, Object> ranked =
        org.apache.spark.graphx.lib.PageRank.run(graph, iterations, resetProb, anyTag, anyTag);
    var rows =
        ranked.vertices().toJavaRDD().map(t -> RowFactory.create((Long) t._1(), (Double) t._2()));
    StructType schema =
        new StructType()
            .add("vertex", DataTypes.LongType, false)
            .add("pagerank", DataTypes.DoubleType, false);
    return edges.sparkSession().createDataFrame(rows, schema);
  }
}
