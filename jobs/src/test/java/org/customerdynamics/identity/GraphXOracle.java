package org.customerdynamics.identity;

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

/** GraphX's connectedComponents, the oracle our DataFrame components are checked against. */
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
}
