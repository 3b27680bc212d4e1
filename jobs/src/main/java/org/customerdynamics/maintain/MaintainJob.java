package org.customerdynamics.maintain;

import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * OPTIMIZE (bin-packing compaction) and VACUUM of every Delta table of the lakehouse, recorded in
 * {@code gold.maintenance_runs} (one row per run date and table; a rerun replaces its date's rows).
 * VACUUM keeps {@code maintain.vacuum-retention-hours} of history (default 168 = 7 days, Delta's
 * safe minimum), so readers and time travel within that window keep working.
 */
public final class MaintainJob {
  private static final Logger LOG = LoggerFactory.getLogger(MaintainJob.class);
  static final String RUNS = "gold.maintenance_runs";

  static final StructType SCHEMA =
      new StructType()
          .add("run_date", DataTypes.DateType, false)
          .add("table_name", DataTypes.StringType, false)
          .add("files_before", DataTypes.LongType, false)
          .add("files_after", DataTypes.LongType, false)
          .add("vacuum_retention_hours", DataTypes.IntegerType, false);

  private final SparkSession spark;
  private final CdxConfig config;
  private final Lakehouse lakehouse;

  public MaintainJob(SparkSession spark, CdxConfig config) {
    this.spark = spark;
    this.config = config;
    this.lakehouse = new Lakehouse(spark, config);
  }

  public void run(LocalDate runDate, boolean optimize, boolean vacuum) {
    int retention = config.maintain().vacuumRetentionHours();
    if (vacuum && retention < 168) {
      // Delta refuses shorter retention unless its safety check is turned off: only do so on request.
      spark.conf().set("spark.databricks.delta.retentionDurationCheck.enabled", "false");
    }
    List<Row> rows = new ArrayList<>();
    for (String table : tables()) {
      if (table.equals(RUNS)) {
        continue;
      }
      spark.sparkContext().setJobDescription("maintain " + table);
      DeltaTable delta = lakehouse.delta(table);
      long before = lakehouse.numFiles(table);
      if (optimize) {
        delta.optimize().executeCompaction();
      }
      if (vacuum) {
        delta.vacuum(retention / 24.0 * 24.0);
      }
      long after = lakehouse.numFiles(table);
      LOG.info("maintain {}: {} data files before, {} after", table, before, after);
      rows.add(RowFactory.create(java.sql.Date.valueOf(runDate), table, before, after, retention));
    }
    var df = spark.createDataFrame(rows, SCHEMA);
    lakehouse.replaceWhere(df, RUNS, "run_date = DATE'" + runDate + "'");
    System.out.printf("maintain %s: %d tables compacted%s%n", runDate, rows.size(), vacuum ? " and vacuumed" : "");
  }

  /** Every Delta table under the lakehouse's four databases, as {@code db.table}, sorted. */
  List<String> tables() {
    List<String> out = new ArrayList<>();
    try {
      Path root = new Path(lakehouse.root());
      FileSystem fs = root.getFileSystem(spark.sparkContext().hadoopConfiguration());
      for (String db : Lakehouse.DATABASES) {
        Path dbPath = new Path(root, db);
        if (!fs.exists(dbPath)) {
          continue;
        }
        for (FileStatus st : fs.listStatus(dbPath)) {
          String name = st.getPath().getName();
          if (st.isDirectory() && fs.exists(new Path(st.getPath(), "_delta_log"))) {
            out.add(db + "." + name);
          }
        }
      }
    } catch (IOException e) {
      throw new CdxException("Cannot list lakehouse tables under " + lakehouse.root() + ": " + e.getMessage(), e);
    }
    out.sort(String::compareTo);
    return out;
  }
}
