package org.customerdynamics.common;

import io.delta.tables.DeltaTable;
import java.util.ConcurrentModificationException;
import java.util.function.Supplier;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delta commits that tolerate concurrent writers: runs for different dates write disjoint partitions
 * of the same tables, and Delta's optimistic concurrency may still ask one of them to retry (a table
 * created at the same moment, a MERGE whose files moved). Every retried write here is idempotent.
 */
public final class Commits {
  private static final Logger LOG = LoggerFactory.getLogger(Commits.class);
  private static final Object CREATE_LOCK = new Object();

  private Commits() {}

  /**
   * Runs {@code write}, retrying up to {@code attempts} times on a Delta concurrency conflict; when
   * every attempt conflicts, fails with one line naming {@code what} (e.g. "write gold.scores"), the
   * conflict as the cause.
   */
  public static <T> T retrying(String what, int attempts, Supplier<T> write) {
    for (int attempt = 1; ; attempt++) {
      try {
        return write.get();
      } catch (RuntimeException e) {
        if (!isConflict(e)) {
          throw e;
        }
        if (attempt >= attempts) {
          throw new CdxException(
              "Cannot " + what + ": concurrent Delta commits conflicted with all " + attempts + " attempts ("
                  + e.getClass().getSimpleName() + "); rerun the job for the same date, or raise ingest.commit-attempts",
              e);
        }
        LOG.warn("{}: concurrent Delta commit, retrying ({}/{}): {}", what, attempt, attempts, e.getMessage());
        try {
          Thread.sleep(200L * attempt);
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  public static void retrying(String what, int attempts, Runnable write) {
    retrying(
        what,
        attempts,
        () -> {
          write.run();
          return null;
        });
  }

  public static boolean isConflict(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof ConcurrentModificationException
          || c instanceof org.apache.hadoop.fs.FileAlreadyExistsException
          || c instanceof java.nio.file.FileAlreadyExistsException) {
        return true;
      }
    }
    return false;
  }

  /**
   * Creates an empty Delta table with this schema (all columns nullable) and partitioning when it
   * does not exist, and registers it; safe when another run creates it at the same moment.
   */
  public static void ensureTable(
      Lakehouse lakehouse, String qualified, StructType schema, String... partitionColumns) {
    ensureTable(lakehouse, qualified, schema, java.util.Map.of(), partitionColumns);
  }

  /** {@link #ensureTable} with table properties, set when the table is created. */
  public static void ensureTable(
      Lakehouse lakehouse,
      String qualified,
      StructType schema,
      java.util.Map<String, String> properties,
      String... partitionColumns) {
    synchronized (CREATE_LOCK) {
      if (!lakehouse.exists(qualified)) {
        StructType nullable = new StructType();
        for (StructField f : schema.fields()) {
          nullable = nullable.add(f.name(), f.dataType(), true);
        }
        StructType create = nullable;
        try {
          retrying(
              "create " + qualified,
              5,
              () -> {
                if (!lakehouse.exists(qualified)) {
                  var builder =
                      DeltaTable.createIfNotExists(lakehouse.spark())
                          .location(lakehouse.path(qualified))
                          .addColumns(create)
                          .partitionedBy(partitionColumns);
                  properties.forEach(builder::property);
                  builder.execute();
                }
              });
        } catch (RuntimeException e) {
          if (!lakehouse.exists(qualified)) {
            throw e;
          }
        }
      }
      try {
        lakehouse.register(qualified);
      } catch (RuntimeException e) {
        // another process registered it between our check and create
        lakehouse.register(qualified);
      }
    }
  }
}
