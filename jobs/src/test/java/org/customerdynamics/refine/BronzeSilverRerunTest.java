package org.customerdynamics.refine;

import static org.assertj.core.api.Assertions.assertThat;

import io.delta.tables.DeltaTable;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.customerdynamics.common.Identifiers;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.generate.Generator;
import org.customerdynamics.generate.GeneratorOptions;
import org.customerdynamics.ingest.IngestJob;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The issue's "done when" on generated data (every source, with its malformed lines, duplicates
 * and late events): ingest and refine twice, and retry one date afterwards, and every bronze and
 * silver table keeps the same rows; no raw e-mail or phone value that landed appears anywhere in
 * silver.
 */
class BronzeSilverRerunTest extends SparkTestBase {
  static final LocalDate FIRST = LocalDate.parse("2026-01-01");
  static final LocalDate LAST = FIRST.plusDays(2);

  @TempDir Path dir;

  @Test
  void aDoubleRunAndARetriedDateLeaveEveryBronzeAndSilverTableUnchangedAndSilverHoldsNoRawPii() {
    // Writes <dir>/landing, the landing zone of config(dir).
    new Generator(new GeneratorOptions(11, 40, 3, 1.0, FIRST, dir, 0.02, 0.02, 0.05)).run();
    CdxConfig config = config(dir);
    Lakehouse lakehouse = lakehouse(config);

    pipeline(config, FIRST, LAST);
    Map<String, List<String>> first = snapshot(lakehouse);
    assertThat(first.keySet())
        .contains(IngestJob.BRONZE, IngestJob.QUARANTINE, IngestJob.LEDGER, RefineJob.SILVER, RefineJob.CONSENT);
    assertThat(first.get(IngestJob.BRONZE)).hasSizeGreaterThan(100);
    assertThat(first.get(IngestJob.QUARANTINE)).isNotEmpty();
    assertThat(first.get(RefineJob.SILVER)).hasSizeGreaterThan(100);
    assertThat(lakehouse.read(IngestJob.LEDGER).filter("NOT balanced").count()).isZero();
    assertNoLandedPiiInSilver(lakehouse, config);

    pipeline(config, FIRST, LAST);
    assertThat(snapshot(lakehouse)).isEqualTo(first);

    // The scheduler retries one date after later dates ran.
    pipeline(config, FIRST.plusDays(1), FIRST.plusDays(1));
    assertThat(snapshot(lakehouse)).isEqualTo(first);
  }

  /**
   * A backfill into a new lakehouse takes refine's first-load path (silver holds nothing on or beside
   * the dates: a partial overwrite, no MERGE); the same days refined one by one take it on the first
   * day only and MERGE the others, with sessions recomputed over the day before. Both leave the same
   * silver tables.
   */
  @Test
  void aBackfillIntoANewLakehouseWritesTheSameSilverAsDailyRunsThatMerge() {
    new Generator(new GeneratorOptions(12, 40, 3, 1.0, FIRST, dir, 0.02, 0.02, 0.05)).run();
    CdxConfig backfill = config(dir);
    CdxConfig daily = config(dir, "lakehouse=" + dir.resolve("lakehouse-daily"));
    Lakehouse once = lakehouse(backfill);
    Lakehouse dayByDay = lakehouse(daily);

    pipeline(backfill, FIRST, LAST);
    for (LocalDate d = FIRST; !d.isAfter(LAST); d = d.plusDays(1)) {
      pipeline(daily, d, d);
    }

    assertThat(operations(once)).containsExactly("CREATE TABLE", "WRITE");
    assertThat(operations(dayByDay)).containsExactly("CREATE TABLE", "WRITE", "MERGE", "MERGE");
    Map<String, List<String>> a = snapshot(once);
    Map<String, List<String>> b = snapshot(dayByDay);
    assertThat(a.get(RefineJob.SILVER)).hasSizeGreaterThan(100);
    assertThat(b.get(RefineJob.SILVER)).isEqualTo(a.get(RefineJob.SILVER));
    assertThat(b.get(RefineJob.CONSENT)).isEqualTo(a.get(RefineJob.CONSENT));
  }

  /** silver.interactions' commits, oldest first, by operation. */
  private static List<String> operations(Lakehouse lakehouse) {
    return DeltaTable.forPath(spark(), lakehouse.path(RefineJob.SILVER))
        .history()
        .orderBy("version")
        .select("operation")
        .as(Encoders.STRING())
        .collectAsList();
  }

  private void pipeline(CdxConfig config, LocalDate from, LocalDate to) {
    new IngestJob(spark(), config).run(from, to, List.of());
    new RefineJob(spark(), config).run(from, to);
  }

  /** Every Delta table under the bronze and silver folders: its row count, then its rows as sorted JSON. */
  static Map<String, List<String>> snapshot(Lakehouse lakehouse) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String db : List.of("bronze", "silver")) {
      for (String table : tables(Path.of(lakehouse.root(), db))) {
        String qualified = db + "." + table;
        List<String> rows = new ArrayList<>(lakehouse.read(qualified).toJSON().collectAsList());
        rows.sort(null);
        rows.add(0, rows.size() + " rows");
        out.put(qualified, rows);
      }
    }
    return out;
  }

  private static Set<String> tables(Path db) {
    Set<String> names = new TreeSet<>();
    if (!Files.isDirectory(db)) {
      return names;
    }
    try (Stream<Path> children = Files.list(db)) {
      children.filter(p -> Files.isDirectory(p.resolve("_delta_log"))).forEach(p -> names.add(p.getFileName().toString()));
    } catch (IOException e) {
      throw new IllegalStateException(e);
    }
    return names;
  }

  /**
   * Scans every column of every silver table (complex columns as JSON) for each e-mail and phone
   * value that reached bronze, as landed and normalised, and for anything shaped like an e-mail.
   */
  static void assertNoLandedPiiInSilver(Lakehouse lakehouse, CdxConfig config) {
    String country = config.refine().defaultCountryCode();
    Set<String> raw = new TreeSet<>();
    Dataset<Row> landed =
        lakehouse.read(IngestJob.BRONZE).selectExpr("explode(array(email, counterpart_email, phone)) AS v").where("v IS NOT NULL");
    for (Row r : landed.distinct().collectAsList()) {
      String v = r.getString(0).strip();
      String normalised = v.contains("@") ? Identifiers.normaliseEmail(v) : Identifiers.normalisePhone(v, country);
      if (normalised != null) {
        raw.add(v.toLowerCase(Locale.ROOT));
        raw.add(normalised.toLowerCase(Locale.ROOT));
      }
    }
    assertThat(raw).as("e-mail and phone values landed in bronze").hasSizeGreaterThan(20);
    Set<String> silverTables = tables(Path.of(lakehouse.root(), "silver"));
    assertThat(silverTables).isNotEmpty();
    for (String table : silverTables) {
      for (String row : lakehouse.read("silver." + table).toJSON().collectAsList()) {
        String text = row.toLowerCase(Locale.ROOT);
        for (String v : raw) {
          assertThat(text).as("silver.%s", table).doesNotContain(v);
        }
        assertThat(text).as("silver.%s", table).doesNotContainPattern("[a-z0-9._%+-]+@[a-z0-9-]+\\.[a-z]{2,}");
      }
    }
  }
}
