package org.customerdynamics.social;

import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.execution.LogicalRDD;

/**
 * Materialises the state of an iterative algorithm and cuts its lineage. Persisting alone is not
 * enough: each step's plan embeds the previous one, and the plan strings Spark builds per query (with
 * adaptive execution printing initial and final plans) grow exponentially with the depth. So every
 * step is local-checkpointed, and every {@code every}-th step is checkpointed reliably to the
 * session's checkpoint directory.
 */
final class Lineage {
  private Lineage() {}

  static Dataset<Row> cut(Dataset<Row> state, int step, int every) {
    return step % every == 0 ? state.checkpoint(true) : state.localCheckpoint(true);
  }

  /**
   * Frees the blocks of a state made by {@link #cut} once the next one exists (the context cleaner
   * would too, but only after a garbage collection).
   */
  static void release(Dataset<Row> state) {
    if (state != null
        && state.queryExecution().analyzed() instanceof LogicalRDD rdd) {
      rdd.rdd().unpersist(false);
    }
  }
}
