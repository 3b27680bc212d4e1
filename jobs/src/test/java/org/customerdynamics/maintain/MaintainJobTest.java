package org.customerdynamics.maintain;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class MaintainJobTest extends SparkTestBase {
  @TempDir Path dir;

  @Test
  void optimizeCompactsSmallFilesKeepsRowsAndRerunReplacesItsLog() {
    CdxConfig config = config(dir);
    Lakehouse lh = lakehouse(config);
    for (int i = 0; i < 5; i++) {
      Dataset<Row> part = spark().range(i * 10, i * 10 + 10).toDF("n");
      lh.append(part, "silver.numbers");
    }
    assertThat(lh.delta("silver.numbers").detail().select("numFiles").head().getLong(0)).isGreaterThanOrEqualTo(5);
    List<Long> before = lh.read("silver.numbers").orderBy("n").as(org.apache.spark.sql.Encoders.LONG()).collectAsList();

    MaintainJob job = new MaintainJob(spark(), config);
    job.run(LocalDate.of(2026, 1, 31), true, true);
    job.run(LocalDate.of(2026, 1, 31), true, true);

    assertThat(lh.delta("silver.numbers").detail().select("numFiles").head().getLong(0)).isEqualTo(1);
    assertThat(lh.read("silver.numbers").orderBy("n").as(org.apache.spark.sql.Encoders.LONG()).collectAsList())
        .isEqualTo(before);
    List<Row> log = lh.read(MaintainJob.RUNS).orderBy("table_name").collectAsList();
    assertThat(log).hasSize(1);
    assertThat(log.get(0).getString(1)).isEqualTo("silver.numbers");
    assertThat(log.get(0).getLong(3)).isEqualTo(1L);
    assertThat(spark().sql("SELECT count(*) FROM silver.numbers").head().getLong(0)).isEqualTo(50L);
  }
}
