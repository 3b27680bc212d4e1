package org.customerdynamics.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.File;
import java.net.URI;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.hive.HiveExternalCatalog;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;

class SparkSessionsTest extends SparkTestBase {

  private static int filesUnder(File dir) {
    File[] children = dir.listFiles();
    if (children == null) {
      return 0;
    }
    int n = 0;
    for (File c : children) {
      n += c.isDirectory() ? filesUnder(c) : 1;
    }
    return n;
  }

  @Test
  void aRunsReliableCheckpointsAreDeletedAndTheSessionCanCheckpointAgain() throws Exception {
    SparkSession spark = spark();
    File dir = new File(new URI(spark.sparkContext().getCheckpointDir().get()));
    assertThat(spark.range(100).toDF().checkpoint(true).count()).isEqualTo(100);
    assertThat(filesUnder(dir)).isPositive();

    SparkSessions.deleteCheckpoints(spark);
    assertThat(dir).doesNotExist();

    // A job that checkpoints after the cleanup (a later stage of the same session) still can.
    assertThat(spark.range(7).toDF().checkpoint(true).count()).isEqualTo(7);
    assertThat(filesUnder(dir)).isPositive();
    SparkSessions.deleteCheckpoints(spark);
    assertThat(dir).doesNotExist();
  }

  @Test
  void hivesResourcesFolderIsOneThatGoesWithTheJvm() {
    SparkSession spark = spark();
    String configured = spark.conf().get(SparkSessions.HIVE_RESOURCES);
    File folder = new File(configured);
    assertThat(folder.getName()).startsWith("cdx-hive-resources-");
    assertThat(folder.getParentFile()).isEqualTo(new File(System.getProperty("java.io.tmpdir")));
    // The metastore client's Hive session took it (rather than its own <session id>_resources).
    HiveExternalCatalog catalog =
        (HiveExternalCatalog) spark.sharedState().externalCatalog().unwrapped();
    assertThat(catalog.client().getConf("hive.downloaded.resources.dir", "")).isEqualTo(configured);
    assertThat(folder).isDirectory();
  }
}
