package org.customerdynamics.common;

import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.catalyst.TableIdentifier;
import org.customerdynamics.common.config.CdxConfig;
import scala.Option;

/**
 * The lakehouse: Delta tables at {@code <lakehouse>/<database>/<table>}, registered in the catalog
 * under {@code <database>.<table>} so that SQL clients find them (SPEC §6). Jobs read and write by
 * path (the Delta log is the truth) and register after writing.
 */
public final class Lakehouse {
  public static final List<String> DATABASES = List.of("bronze", "silver", "gold", "reporting");

  private final SparkSession spark;
  private final String root;

  public Lakehouse(SparkSession spark, CdxConfig config) {
    this(spark, config.lakehouse());
  }

  public Lakehouse(SparkSession spark, String root) {
    this.spark = spark;
    this.root = root;
  }

  public String root() {
    return root;
  }

  public SparkSession spark() {
    return spark;
  }

  /** Storage path of a table given as {@code database.table}. */
  public String path(String qualified) {
    String[] parts = split(qualified);
    return root + "/" + parts[0] + "/" + parts[1];
  }

  public boolean exists(String qualified) {
    return DeltaTable.isDeltaTable(spark, path(qualified));
  }

  public Dataset<Row> read(String qualified) {
    if (!exists(qualified)) {
      throw new CdxException(
          "Cannot read "
              + qualified
              + ": no Delta table at "
              + path(qualified)
              + "; run the job that writes it first");
    }
    return spark.read().format("delta").load(path(qualified));
  }

  /** Reads a table pinned to a version (time travel), e.g. the input version a model was trained on. */
  public Dataset<Row> readVersion(String qualified, long version) {
    return spark.read().format("delta").option("versionAsOf", version).load(path(qualified));
  }

  public DeltaTable delta(String qualified) {
    return DeltaTable.forPath(spark, path(qualified));
  }

  /**
   * The Delta tables of one database as found on storage (a folder with a {@code _delta_log}), as
   * {@code database.table}, sorted. Storage is the truth, not the catalog: the catalog of a shared
   * metastore may list tables of another lakehouse.
   */
  public List<String> tables(String database) {
    List<String> found = new ArrayList<>();
    Path dir = new Path(root + "/" + database);
    try {
      FileSystem fs = dir.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(dir)) {
        return found;
      }
      for (FileStatus s : fs.listStatus(dir)) {
        if (s.isDirectory() && fs.exists(new Path(s.getPath(), "_delta_log"))) {
          found.add(database + "." + s.getPath().getName());
        }
      }
    } catch (IOException e) {
      throw new CdxException("Cannot list the tables of " + dir + ": " + e.getMessage(), e);
    }
    found.sort(String::compareTo);
    return found;
  }

  /** The data files of a table's current version. */
  public long numFiles(String qualified) {
    return delta(qualified).detail().select("numFiles").head().getLong(0);
  }

  /** Current Delta version of a table, or -1 when it does not exist. */
  public long version(String qualified) {
    if (!exists(qualified)) {
      return -1;
    }
    return delta(qualified).history(1).select("version").head().getLong(0);
  }

  /** Creates the four databases; idempotent. */
  public void ensureDatabases() {
    for (String db : DATABASES) {
      spark.sql("CREATE DATABASE IF NOT EXISTS " + db + " LOCATION '" + root + "/" + db + "'");
    }
  }

  /** Atomically replaces the whole table with {@code data} (one Delta commit). */
  public void overwrite(Dataset<Row> data, String qualified, String... partitionColumns) {
    var writer =
        data.write().format("delta").mode("overwrite").option("overwriteSchema", "true");
    if (partitionColumns.length > 0) {
      writer = writer.partitionBy(partitionColumns);
    }
    writer.save(path(qualified));
    register(qualified);
  }

  /**
   * Atomically replaces the rows matching {@code predicate} (e.g. one run date) with {@code data}, in
   * one Delta commit; rerunning the same date gives the same table.
   */
  public void replaceWhere(
      Dataset<Row> data, String qualified, String predicate, String... partitionColumns) {
    var writer = data.write().format("delta");
    if (exists(qualified)) {
      writer = writer.mode("overwrite").option("replaceWhere", predicate);
    } else {
      writer = writer.mode("overwrite");
      if (partitionColumns.length > 0) {
        writer = writer.partitionBy(partitionColumns);
      }
    }
    writer.save(path(qualified));
    register(qualified);
  }

  /** Appends in one Delta commit (used where rows are keyed by a run id and checked before). */
  public void append(Dataset<Row> data, String qualified, String... partitionColumns) {
    var writer = data.write().format("delta").mode("append");
    if (!exists(qualified) && partitionColumns.length > 0) {
      writer = writer.partitionBy(partitionColumns);
    }
    writer.save(path(qualified));
    register(qualified);
  }

  /**
   * Registers the Delta table at its path in the catalog; re-points the entry if it names another
   * location (a lakehouse that moved, or another lakehouse in tests).
   */
  public void register(String qualified) {
    String[] parts = split(qualified);
    String location = path(qualified);
    spark.sql("CREATE DATABASE IF NOT EXISTS " + parts[0] + " LOCATION '" + root + "/" + parts[0] + "'");
    var catalog = spark.sessionState().catalog();
    TableIdentifier id = new TableIdentifier(parts[1], Option.apply(parts[0]));
    if (catalog.tableExists(id)) {
      String current;
      try {
        current = catalog.getTableMetadata(id).location().toString();
      } catch (Exception e) {
        current = "";
      }
      if (sameLocation(current, location)) {
        return;
      }
      spark.sql("DROP TABLE IF EXISTS " + qualified);
    }
    spark.sql("CREATE TABLE IF NOT EXISTS " + qualified + " USING DELTA LOCATION '" + location + "'");
  }

  private static boolean sameLocation(String a, String b) {
    return strip(a).equals(strip(b));
  }

  private static String strip(String p) {
    String s = p.startsWith("file:") ? p.substring(5) : p;
    while (s.startsWith("//")) {
      s = s.substring(1);
    }
    return s.endsWith("/") ? s.substring(0, s.length() - 1) : s;
  }

  private static String[] split(String qualified) {
    String[] parts = qualified.split("\\.");
    if (parts.length != 2 || !DATABASES.contains(parts[0])) {
      throw new IllegalArgumentException(
          "table name must be <database>.<table> with database in " + DATABASES + ": " + qualified);
    }
    return parts;
  }
}
