package org.customerdynamics.common;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.spark.sql.Row;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.generate.Generator;
import org.customerdynamics.generate.GeneratorOptions;
import org.customerdynamics.identity.IdentityJob;
import org.customerdynamics.ingest.IngestJob;
import org.customerdynamics.journey.JourneyJob;
import org.customerdynamics.refine.RefineJob;
import org.customerdynamics.report.ReportJob;
import org.customerdynamics.segments.SegmentsJob;
import org.customerdynamics.testing.Services;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The pipeline with landing zone and lakehouse both on s3a:// against the loopback S3-compatible
 * server (bin/s3server): a tiny generated landing zone is uploaded, then ingest → refine → identity →
 * journeys → report run as `demo` runs them (report needs no model tables: churn_risk and loyalty
 * stay empty, segments is skipped), and a segment export goes to s3a:// as well.
 */
class S3RoundTripTest extends SparkTestBase {
  static final LocalDate FIRST = LocalDate.parse("2026-01-01");
  static final int DAYS = 2;

  @TempDir Path dir;

  @Test
  void landingOnS3aBecomesReportingTablesOnS3a() throws Exception {
    String bucket = Services.require("CDX_BUCKET");
    Services.require("CDX_S3_ENDPOINT");
    String root = "s3a://" + bucket + "/roundtrip-" + Long.toHexString(System.nanoTime());
    LocalDate last = FIRST.plusDays(DAYS - 1);
    Generator.Summary generated =
        new Generator(new GeneratorOptions(11, 20, DAYS, 1.0, FIRST, dir.resolve("gen"), 0.01, 0.01, 0.0)).run();

    spark(); // the shared session picks up the S3 endpoint from the environment
    CdxConfig config =
        config(dir, "lakehouse=" + root + "/lakehouse", "landing=" + root + "/landing", "segments.include-email-sha256=true");
    org.apache.hadoop.fs.Path landing = new org.apache.hadoop.fs.Path(config.landing());
    FileSystem s3 = landing.getFileSystem(spark().sparkContext().hadoopConfiguration());
    s3.copyFromLocalFile(false, true, new org.apache.hadoop.fs.Path(dir.resolve("gen/landing").toUri()), landing);

    List<IngestJob.SliceReport> slices = new IngestJob(spark(), config).run(FIRST, last, List.of());
    new RefineJob(spark(), config).run(FIRST, last);
    new IdentityJob(spark(), config, null).run(FIRST, last);
    new JourneyJob(spark(), config).run(last);
    List<String> written = new ReportJob(spark(), config).run(last);

    // Nothing lost on the way in: every landed line is in bronze, quarantine, or a counted duplicate.
    long lines = slices.stream().mapToLong(IngestJob.SliceReport::lines).sum();
    long bronze = slices.stream().mapToLong(IngestJob.SliceReport::bronze).sum();
    long quarantined = slices.stream().mapToLong(IngestJob.SliceReport::quarantined).sum();
    long duplicates = slices.stream().mapToLong(IngestJob.SliceReport::duplicates).sum();
    assertThat(lines).isEqualTo(generated.lines()).isEqualTo(bronze + quarantined + duplicates);

    // Every reporting table lives on s3a and is found through the catalog.
    assertThat(written).contains("customer_360", "churn_risk", "journey_summary", "channel_transitions", "daily_kpis");
    for (String table : List.of("report_runs", "customer_360", "daily_kpis")) {
      String location = spark().sql("DESCRIBE DETAIL reporting." + table).select("location").head().getString(0);
      assertThat(location).as(table).startsWith(root + "/lakehouse/reporting/" + table);
    }
    Row run = spark().sql("SELECT report_date, persons FROM reporting.report_runs").collectAsList().get(0);
    assertThat(run.getDate(0).toLocalDate()).isEqualTo(last);
    long persons = spark().sql("SELECT count(*) FROM reporting.customer_360 WHERE report_date = DATE'" + last + "'").head().getLong(0);
    long silverPersons =
        spark().sql("SELECT count(DISTINCT person_id) FROM silver.interactions WHERE person_id IS NOT NULL").head().getLong(0);
    assertThat(persons).isPositive().isEqualTo(run.getLong(1)).isEqualTo(silverPersons);
    // The day's KPIs count every clean interaction of the landed days, per day.
    assertThat(
            spark().sql(
                    "SELECT k.kpi_date, k.events, s.events FROM reporting.daily_kpis k FULL OUTER JOIN"
                        + " (SELECT event_date, count(*) AS events FROM silver.interactions GROUP BY event_date) s"
                        + " ON k.kpi_date = s.event_date WHERE k.channel = 'all' OR k.channel IS NULL ORDER BY 1")
                .collectAsList())
        .extracting(r -> r.get(0) + " " + r.get(1) + " " + r.get(2))
        .isNotEmpty()
        .allSatisfy(line -> assertThat(line.split(" ")[1]).isEqualTo(line.split(" ")[2]));

    // A segment export from the s3a lakehouse to s3a.
    String out = root + "/exports/everyone";
    SegmentsJob.ExportResult export = new SegmentsJob(spark(), config).export(last, null, "true", "csv", out, false);
    assertThat(export.matched()).isEqualTo(persons);
    assertThat(s3.exists(new org.apache.hadoop.fs.Path(out + "/_SUCCESS"))).isTrue();
    assertThat(spark().read().option("header", "true").csv(out).select("person_id").distinct().count())
        .isEqualTo(export.exported());
  }
}
