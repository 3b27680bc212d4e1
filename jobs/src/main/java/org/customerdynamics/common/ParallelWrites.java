package org.customerdynamics.common;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.spark.sql.SparkSession;

/**
 * Independent table writes of one job (each its own Delta commit, none reading another's output),
 * run on a few threads of the driver at once. A small table's write costs mostly Delta's fixed work
 * in the driver (the table's state, the commit, the catalog) and a job of few tasks; run one after
 * the other they leave the cores idle, run together they overlap.
 *
 * <p>Every write runs to its end, whatever the others do; when one or more fail, the first added
 * that failed is thrown (the others' failures suppressed in it), after all have finished, so a failed
 * job never leaves a write still running behind it. Spark schedules the threads' jobs side by side
 * (FIFO by default: a job's tasks go first, the next job's fill the cores it leaves).
 */
public final class ParallelWrites {
  private final SparkSession spark;
  private final int threads;
  private final Map<String, Runnable> writes = new LinkedHashMap<>();

  /** {@code threads} ≤ 1 runs the writes one after the other, in the order added. */
  public ParallelWrites(SparkSession spark, int threads) {
    this.spark = spark;
    this.threads = threads;
  }

  /** Adds a write, named for errors and Spark's job descriptions (e.g. the table). */
  public ParallelWrites add(String name, Runnable write) {
    if (writes.putIfAbsent(name, write) != null) {
      throw new IllegalArgumentException("Two writes named " + name);
    }
    return this;
  }

  /** Runs every write added and waits for all of them; names of those written, in the order added. */
  public List<String> run() {
    List<String> names = new ArrayList<>(writes.keySet());
    int pool = Math.min(threads, writes.size());
    if (pool <= 1) {
      writes.forEach((name, write) -> write.run());
      writes.clear();
      return names;
    }
    AtomicInteger n = new AtomicInteger();
    ExecutorService executor =
        Executors.newFixedThreadPool(
            pool,
            r -> {
              Thread t = new Thread(r, "cdx-write-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    Map<String, Future<?>> running = new LinkedHashMap<>();
    try {
      writes.forEach(
          (name, write) ->
              running.put(
                  name,
                  executor.submit(
                      () -> {
                        SparkSession.setActiveSession(spark);
                        spark.sparkContext().setJobDescription("write " + name);
                        write.run();
                      })));
    } finally {
      executor.shutdown();
      writes.clear();
    }
    RuntimeException failure = null;
    boolean interrupted = false;
    for (Map.Entry<String, Future<?>> e : running.entrySet()) {
      Throwable cause = null;
      while (true) {
        try {
          e.getValue().get();
          break;
        } catch (InterruptedException ie) {
          // Waits on: a write left running could commit after the job has reported its failure.
          interrupted = true;
        } catch (ExecutionException ee) {
          cause = ee.getCause();
          break;
        }
      }
      if (cause == null) {
        continue;
      }
      if (failure == null) {
        failure =
            cause instanceof RuntimeException re
                ? re
                : new CdxException("Cannot write " + e.getKey() + ": " + cause.getMessage(), cause);
      } else {
        failure.addSuppressed(cause);
      }
    }
    if (interrupted) {
      Thread.currentThread().interrupt();
    }
    if (failure != null) {
      throw failure;
    }
    return names;
  }
}
