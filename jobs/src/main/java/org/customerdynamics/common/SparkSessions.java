package org.customerdynamics.common;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.util.Map;
import org.apache.hadoop.fs.Path;
import org.apache.spark.SparkConf;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.common.config.CdxConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Builds the one SparkSession of a job run: Delta enabled, UTC session time zone, the persistent
 * catalog (embedded Derby Hive metastore locally, external metastore in production) and S3A settings.
 * Under spark-submit the master and resources come from spark-submit; embedded runs use {@code
 * spark.master} of the config.
 */
public final class SparkSessions {
  private static final Logger LOG = LoggerFactory.getLogger(SparkSessions.class);

  private SparkSessions() {}

  private static final String MAIN_CLASS = "org.customerdynamics.cli.Cdx";
  static final String HIVE_RESOURCES = "spark.hadoop.hive.downloaded.resources.dir";

  public static SparkSession build(CdxConfig config, String appName) {
    SparkConf submitted = new SparkConf();
    SparkSession.Builder builder = SparkSession.builder();
    // A name given to spark-submit (--name; the Airflow DAG names each task's application) wins;
    // spark-submit without --name names it after the main class, and then the job's name is used.
    String given = submitted.get("spark.app.name", "");
    if (given.isEmpty() || given.equals(MAIN_CLASS)) {
      builder.appName(appName);
    }
    if (!submitted.contains("spark.master")) {
      builder.master(config.spark().master());
      builder.config("spark.ui.enabled", "false");
      builder.config("spark.driver.host", "127.0.0.1");
      builder.config("spark.driver.bindAddress", "127.0.0.1");
    }
    Map<String, String> settings = settings(config);
    for (Map.Entry<String, String> e : settings.entrySet()) {
      builder.config(e.getKey(), e.getValue());
    }
    // Hive's session makes a folder for downloaded resources (ADD JAR) in java.io.tmpdir each time it
    // starts and never deletes it (SPARK-51571): one more empty folder per run, for good. Unless one is
    // configured, give it a folder that goes when the JVM exits.
    if (!submitted.contains(HIVE_RESOURCES) && !settings.containsKey(HIVE_RESOURCES)) {
      builder.config(HIVE_RESOURCES, folderDeletedOnExit("cdx-hive-resources-"));
    }
    if (config.catalog().type().equals("derby")) {
      String derbyDir = config.catalog().derbyDir();
      if (derbyDir == null) {
        throw CdxException.usage(
            "Cannot start the catalog: catalog.derby-dir must be set when the lakehouse is on an"
                + " object store and catalog.type is derby; set it or use catalog.type: hive");
      }
      new File(derbyDir).mkdirs();
      System.setProperty("derby.system.home", derbyDir);
      System.setProperty("derby.stream.error.file", derbyDir + "/derby.log");
      builder.config(
          "spark.hadoop.javax.jdo.option.ConnectionURL",
          "jdbc:derby:;databaseName=" + derbyDir + "/metastore_db;create=true");
    } else {
      builder.config("spark.hadoop.hive.metastore.uris", config.catalog().metastoreUris());
    }
    builder.enableHiveSupport();
    SparkSession spark = builder.getOrCreate();
    spark.sparkContext().setCheckpointDir(config.checkpointDir());
    return spark;
  }

  /** A new, empty folder in java.io.tmpdir, deleted when the JVM exits if it is still empty then. */
  private static String folderDeletedOnExit(String prefix) {
    try {
      File dir = Files.createTempDirectory(prefix).toFile();
      dir.deleteOnExit();
      return dir.getPath();
    } catch (IOException e) {
      throw new CdxException("Cannot create a temporary folder in java.io.tmpdir: " + e, e);
    }
  }

  /**
   * Deletes the reliable checkpoints this session wrote (the folder Spark made for it under {@code
   * checkpoint-dir}). Spark keeps them after the application ends, so without this every run of the
   * graph jobs would leave its iterations' states behind for good. Called when a job ends, whether it
   * succeeded or not; a failure to delete is logged, never raised over the job's own outcome.
   */
  public static void deleteCheckpoints(SparkSession spark) {
    scala.Option<String> dir = spark.sparkContext().getCheckpointDir();
    if (dir.isEmpty()) {
      return;
    }
    Path path = new Path(dir.get());
    try {
      path.getFileSystem(spark.sparkContext().hadoopConfiguration()).delete(path, true);
    } catch (IOException | RuntimeException e) {
      LOG.warn("Could not delete this run's checkpoints at {}: {}", path, e.toString());
    }
  }

  /** Spark settings derived from the config (also used by tests that share one session). */
  public static Map<String, String> settings(CdxConfig config) {
    Map<String, String> s = new java.util.LinkedHashMap<>();
    s.put("spark.sql.extensions", "io.delta.sql.DeltaSparkSessionExtension");
    s.put("spark.sql.catalog.spark_catalog", "org.apache.spark.sql.delta.catalog.DeltaCatalog");
    s.put("spark.sql.session.timeZone", "UTC");
    s.put("spark.sql.shuffle.partitions", String.valueOf(config.spark().shufflePartitions()));
    s.put("spark.sql.warehouse.dir", config.lakehouse() + "/_warehouse");
    s.put("spark.sql.sources.partitionOverwriteMode", "static");
    s.put("spark.databricks.delta.schema.autoMerge.enabled", "false");
    s.put("spark.sql.legacy.timeParserPolicy", "CORRECTED");
    if (config.s3().endpoint() != null) {
      s.put("spark.hadoop.fs.s3a.endpoint", config.s3().endpoint());
    }
    s.put("spark.hadoop.fs.s3a.path.style.access", String.valueOf(config.s3().pathStyleAccess()));
    s.put("spark.hadoop.fs.s3a.endpoint.region", config.s3().region());
    s.put("spark.hadoop.fs.s3a.connection.ssl.enabled", String.valueOf(config.s3().sslEnabled()));
    s.putAll(config.spark().conf());
    return s;
  }
}
