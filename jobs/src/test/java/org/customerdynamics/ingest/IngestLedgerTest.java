package org.customerdynamics.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Date;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.Test;

/**
 * {@link IngestLedger#rows}: one row per landed file from the outcome counts and what the tables
 * hold, balanced only when every line is in bronze, the quarantine or counted a duplicate and bronze
 * holds exactly the accepted records; in landing date, source and file order.
 */
class IngestLedgerTest {
  private static final StructType COUNTS =
      new StructType()
          .add("source_file", DataTypes.StringType)
          .add("outcome", DataTypes.StringType)
          .add("reason", DataTypes.StringType)
          .add("n", DataTypes.LongType);

  private static final LocalDate DAY1 = LocalDate.of(2026, 1, 1);
  private static final LocalDate DAY2 = LocalDate.of(2026, 1, 2);

  private static Row count(String file, String outcome, String reason, long n) {
    return new GenericRowWithSchema(new Object[] {file, outcome, reason, n}, COUNTS);
  }

  private static LandingReader.LandedFile file(String source, String name, LocalDate date) {
    return new LandingReader.LandedFile(source, name, date, 100L + name.length(), null);
  }

  @Test
  void eachFileBalancesOnlyWhenTheTablesHoldEveryLine() {
    List<LandingReader.LandedFile> files =
        List.of(
            file("web", "web/2026-01-02/b.jsonl", DAY2),
            file("web", "web/2026-01-01/a.jsonl", DAY1),
            file("app", "app/2026-01-02/c.jsonl", DAY2),
            file("app", "app/2026-01-01/empty.jsonl", DAY1),
            file("web", "web/2026-01-02/d.jsonl", DAY2));
    String a = "web/2026-01-01/a.jsonl";
    String b = "web/2026-01-02/b.jsonl";
    String c = "app/2026-01-02/c.jsonl";
    String d = "web/2026-01-02/d.jsonl";
    List<Row> counts =
        List.of(
            count(a, IngestTransforms.ACCEPTED, null, 6),
            count(a, IngestTransforms.DUPLICATE, null, 2),
            count(a, IngestTransforms.QUARANTINED, IngestTransforms.UNPARSEABLE, 1),
            count(a, IngestTransforms.QUARANTINED, IngestTransforms.CONFLICTING_DUPLICATE, 1),
            count(b, IngestTransforms.ACCEPTED, null, 5),
            count(c, IngestTransforms.ACCEPTED, null, 3),
            count(c, IngestTransforms.QUARANTINED, IngestTransforms.BAD_TIMESTAMP, 2),
            count(c, IngestTransforms.QUARANTINED, IngestTransforms.BAD_TIMESTAMP, 1),
            count(d, IngestTransforms.ACCEPTED, null, 4));
    // b: bronze holds one accepted record too few (lost); d: the quarantine holds a record the run
    // did not quarantine (lines no longer add up although bronze is right).
    Map<String, Long> bronze = Map.of(a, 6L, b, 4L, c, 3L, d, 4L);
    Map<String, Long> quarantine = Map.of(a, 2L, c, 3L, d, 1L);

    List<Row> rows = IngestLedger.rows(files, counts, bronze, quarantine, date -> "ingest:" + date);

    assertThat(rows).extracting(r -> r.<String>getAs("source_file"))
        .containsExactly("app/2026-01-01/empty.jsonl", a, c, b, d);
    Row rowA = rows.get(1);
    assertThat(rowA.schema()).isEqualTo(IngestLedger.SCHEMA);
    assertThat(List.of(
            rowA.getAs("source"), rowA.getAs("ingest_run"), rowA.getAs("lines_read"), rowA.getAs("bronze_rows"),
            rowA.getAs("quarantined"), rowA.getAs("duplicates"), rowA.getAs("balanced"), rowA.getAs("quarantine_share"),
            rowA.getAs("landing_date"), rowA.getAs("file_size")))
        .containsExactly("web", "ingest:2026-01-01", 10L, 6L, 2L, 2L, true, 0.2, Date.valueOf(DAY1), 122L);
    assertThat(reasons(rowA)).containsExactly(
        Map.entry(IngestTransforms.CONFLICTING_DUPLICATE, 1L), Map.entry(IngestTransforms.UNPARSEABLE, 1L));

    Row empty = rows.get(0);
    assertThat(List.of(empty.getAs("lines_read"), empty.getAs("bronze_rows"), empty.getAs("quarantined"),
            empty.getAs("duplicates"), empty.getAs("balanced"), empty.getAs("quarantine_share")))
        .containsExactly(0L, 0L, 0L, 0L, true, 0.0);
    assertThat(reasons(empty)).isEmpty();

    Row rowC = rows.get(2);
    assertThat(rowC.<Long>getAs("lines_read")).isEqualTo(6L);
    assertThat(rowC.<Boolean>getAs("balanced")).isTrue();
    assertThat(reasons(rowC)).containsExactly(Map.entry(IngestTransforms.BAD_TIMESTAMP, 3L));
    assertThat(rowC.<Double>getAs("quarantine_share")).isEqualTo(0.5);

    assertThat(rows.get(3).<Boolean>getAs("balanced")).as("bronze short of the accepted records").isFalse();
    assertThat(rows.get(4).<Boolean>getAs("balanced")).as("more quarantined than the run quarantined").isFalse();
  }

  @Test
  void totalsAndPerFileCountsOfOneOutcome() {
    List<Row> counts =
        List.of(
            count("x", IngestTransforms.ACCEPTED, null, 6),
            count("x", IngestTransforms.QUARANTINED, IngestTransforms.UNPARSEABLE, 1),
            count("x", IngestTransforms.QUARANTINED, IngestTransforms.WRONG_TYPE, 2),
            count("y", IngestTransforms.ACCEPTED, null, 5));
    assertThat(IngestLedger.total(counts, IngestTransforms.ACCEPTED)).isEqualTo(11L);
    assertThat(IngestLedger.total(counts, IngestTransforms.DUPLICATE)).isZero();
    assertThat(IngestLedger.countsOf(counts, IngestTransforms.QUARANTINED)).containsExactlyInAnyOrderEntriesOf(Map.of("x", 3L));
  }

  private static Map<String, Long> reasons(Row r) {
    scala.collection.Map<String, Long> m = r.getAs("quarantine_reasons");
    return new java.util.LinkedHashMap<>(scala.jdk.javaapi.CollectionConverters.asJava(m));
  }
}
