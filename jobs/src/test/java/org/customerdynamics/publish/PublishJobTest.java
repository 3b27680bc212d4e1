package org.customerdynamics.publish;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.testing.JdbcRows;
import org.customerdynamics.testing.Services;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PublishJobTest extends SparkTestBase {
  @TempDir Path dir;
  private String url;
  private String schema;
  private CdxConfig config;

  @BeforeEach
  void setUp() throws SQLException {
    url = Services.require("CDX_PG_URL");
    Services.require("CDX_PG_PASSWORD");
    // A schema of its own per test, so tests never see each other's tables.
    schema = "rep_" + Long.toHexString(System.nanoTime());
    config = config(dir, "publish.jdbc-url=" + url, "publish.schema=" + schema, "publish.user=" + System.getenv("CDX_PG_USER"));
    Lakehouse lh = lakehouse(config);
    Dataset<Row> kpis =
        spark().sql(
            "SELECT DATE'2026-01-30' AS kpi_date, 'web' AS channel, 120L AS events, 0.25D AS conversion,"
                + " map('a','1') AS extra, array('x','y') AS tags"
                + " UNION ALL SELECT DATE'2026-01-31', 'store', 80L, 0.5D, map('b','2'), array('z')");
    lh.overwrite(kpis, "reporting.daily_kpis");
    lh.overwrite(spark().sql("SELECT 'P1' AS person_id, 0.9D AS churn_score"), "reporting.churn_risk");
    try (Connection c = writer(); Statement s = c.createStatement()) {
      s.execute("CREATE TABLE IF NOT EXISTS public.internal_notes (note text)");
    }
  }

  /** The test's schema goes with it: the BI role is granted what a publish creates, and must see nothing else. */
  @AfterEach
  void dropSchema() throws SQLException {
    try (Connection c = writer(); Statement s = c.createStatement()) {
      s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
    }
  }

  private Connection writer() throws SQLException {
    return DriverManager.getConnection(url, System.getenv("CDX_PG_USER"), System.getenv("CDX_PG_PASSWORD"));
  }

  private Connection bi() throws SQLException {
    return DriverManager.getConnection(
        url, Services.require("CDX_PG_BI_USER"), Services.require("CDX_PG_BI_PASSWORD"));
  }

  private static List<String> rows(Connection c, String sql) throws SQLException {
    try (Statement s = c.createStatement()) {
      return JdbcRows.of(s, sql);
    }
  }

  @Test
  void biRoleReadsEveryPublishedTableAndNothingElse() throws SQLException {
    new PublishJob(spark(), config).run(LocalDate.of(2026, 1, 31));
    try (Connection c = bi()) {
      assertThat(rows(c, "SELECT kpi_date, channel, events, conversion, extra, tags FROM " + schema + ".daily_kpis ORDER BY kpi_date"))
          .containsExactly("2026-01-30|web|120|0.25|{\"a\":\"1\"}|{x,y}", "2026-01-31|store|80|0.5|{\"b\":\"2\"}|{z}");
      assertThat(rows(c, "SELECT person_id, churn_score FROM " + schema + ".churn_risk")).containsExactly("P1|0.9");
      assertThatThrownBy(() -> rows(c, "SELECT * FROM cdx_meta.publish_log")).hasMessageContaining("permission denied");
      assertThatThrownBy(() -> rows(c, "SELECT * FROM public.internal_notes")).hasMessageContaining("permission denied");
      assertThatThrownBy(() -> rows(c, "SELECT 1 FROM " + schema + ".daily_kpis FOR UPDATE")).hasMessageContaining("permission denied");
      try (Statement s = c.createStatement()) {
        assertThatThrownBy(() -> s.execute("CREATE TABLE " + schema + ".mine (x int)")).hasMessageContaining("permission denied");
        assertThatThrownBy(() -> s.execute("DELETE FROM " + schema + ".churn_risk")).hasMessageContaining("permission denied");
      }
    }
  }

  @Test
  void republishingTheSameDayChangesNothing() throws SQLException {
    PublishJob job = new PublishJob(spark(), config);
    job.run(LocalDate.of(2026, 1, 31));
    List<String> first;
    try (Connection c = writer()) {
      first = rows(c, "SELECT * FROM " + schema + ".daily_kpis ORDER BY kpi_date");
    }
    job.run(LocalDate.of(2026, 1, 31));
    try (Connection c = writer()) {
      assertThat(rows(c, "SELECT * FROM " + schema + ".daily_kpis ORDER BY kpi_date")).isEqualTo(first);
      assertThat(rows(c, "SELECT table_name FROM information_schema.tables WHERE table_schema = '" + schema + "' ORDER BY 1"))
          .containsExactly("churn_risk", "daily_kpis");
      assertThat(rows(c, "SELECT row_count FROM cdx_meta.publish_log WHERE run_date = DATE '2026-01-31' AND table_name = 'daily_kpis'"))
          .containsExactly("2");
    }
  }

  @Test
  void aWrongPasswordFailsWithOneClearLine() {
    CdxConfig bad = config(dir, "publish.jdbc-url=" + url, "publish.schema=" + schema, "publish.password-env=CDX_NO_SUCH_PASSWORD_VAR");
    assertThatThrownBy(() -> new PublishJob(spark(), bad).run(LocalDate.of(2026, 1, 31)))
        .hasMessageStartingWith("Cannot publish: environment variable CDX_NO_SUCH_PASSWORD_VAR")
        .hasMessageNotContaining(System.getenv("CDX_PG_PASSWORD"));
  }
}
