package org.customerdynamics.common.config;

import java.util.Map;

/**
 * How jobs build their SparkSession.
 *
 * @param master Spark master for embedded runs (default {@code local[*]}); ignored when the session is
 *     started by spark-submit, which sets the master itself
 * @param shufflePartitions {@code spark.sql.shuffle.partitions} (default 8)
 * @param driverMemory informational for bin/cdx (default 4g)
 * @param conf any further Spark settings, passed as they are
 * @param writeThreads independent table writes of one job (report's tables, journeys' tables) run on
 *     this many driver threads at once (default 4); 1 writes them one after the other
 */
public record SparkConfig(
    String master,
    Integer shufflePartitions,
    String driverMemory,
    Map<String, String> conf,
    Integer writeThreads) {
  public SparkConfig {
    master = Defaults.or(master, "local[*]");
    shufflePartitions = Defaults.or(shufflePartitions, 8);
    driverMemory = Defaults.or(driverMemory, "4g");
    conf = Defaults.map(conf, Map.of());
    writeThreads = Defaults.or(writeThreads, 4);
    Defaults.require(writeThreads > 0, "spark.write-threads", "must be > 0");
    Defaults.require(shufflePartitions > 0, "spark.shuffle-partitions", "must be > 0");
  }
}
