package org.customerdynamics.social;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;

/**
 * Materialises the state of an iterative algorithm and cuts its lineage.
 *
 * <p>Persisting alone is not enough: each step's plan would embed the previous one, and the plan
 * strings Spark builds per query grow exponentially with the depth. A checkpoint cuts the plan but
 * keeps the plan's estimated statistics, and join estimates multiply, so over iterations the
 * estimates themselves grow without bound. So every step is local-checkpointed (every {@code
 * every}-th step checkpointed reliably to the session's checkpoint directory) and re-rooted as a new
 * DataFrame over the checkpointed rows. Superseded states are freed by Spark's context cleaner once
 * they are no longer referenced.
 */
final class Lineage {
  private Lineage() {}

  static Dataset<Row> cut(Dataset<Row> state, int step, int every) {
    Dataset<Row> materialised =
        step % every == 0 ? state.checkpoint(true) : state.localCheckpoint(true);
    return state.sparkSession().createDataFrame(materialised.javaRDD(), materialised.schema());
  }
}
