package org.customerdynamics.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import org.apache.spark.sql.Row;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.testing.Services;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The lakehouse on s3a:// against the loopback S3-compatible server (bin/s3server). */
class S3LakehouseTest extends SparkTestBase {
  @TempDir Path dir;

  @Test
  void deltaTablesOnS3aAreWrittenReplacedAndQueryableThroughTheCatalog() {
    String bucket = Services.require("CDX_BUCKET");
    Services.require("CDX_S3_ENDPOINT");
    String root = "s3a://" + bucket + "/test-" + Long.toHexString(System.nanoTime());
    spark(); // the shared session picks up the S3 endpoint from the environment
    CdxConfig config = config(dir, "lakehouse=" + root);
    Lakehouse lh = new Lakehouse(spark(), config);
    assertThat(lh.root()).startsWith("s3a://");
    lh.replaceWhere(
        spark().sql("SELECT DATE'2026-01-01' AS d, 1 AS v UNION ALL SELECT DATE'2026-01-02', 2"),
        "reporting.s3_smoke", "d = DATE'2026-01-01'", "d");
    lh.replaceWhere(spark().sql("SELECT DATE'2026-01-02' AS d, 20 AS v"), "reporting.s3_smoke", "d = DATE'2026-01-02'");
    assertThat(spark().sql("SELECT d, v FROM reporting.s3_smoke ORDER BY d").collectAsList())
        .extracting(Row::toString)
        .containsExactly("[2026-01-01,1]", "[2026-01-02,20]");
    assertThat(lh.version("reporting.s3_smoke")).isEqualTo(1L);
  }
}
