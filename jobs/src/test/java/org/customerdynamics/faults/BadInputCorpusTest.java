package org.customerdynamics.faults;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;
import java.util.zip.GZIPOutputStream;
import org.apache.spark.sql.Row;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Identifiers;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.ingest.IngestJob;
import org.customerdynamics.refine.RefineJob;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The bad-input corpus (test resources {@code bad-input/}, one folder per source, the expected
 * outcome of every line in {@code expected.tsv}) plus generated cases too big to commit (a 20,000-line
 * file, a 3 MB line, a 200 KB field), landed as one day of the web, crm and email sources. Ingest
 * gives each bad line its specific quarantine reason, keeps every valid line, balances the ledger
 * for every file (empty ones too), and refine carries the valid records to silver with unicode
 * e-mails normalised and SQL-looking strings kept as data. A CSV file whose header line is blank
 * fails the run with one line naming the file.
 */
class BadInputCorpusTest extends SparkTestBase {
  static final LocalDate DAY = LocalDate.parse("2026-03-10");
  static final int HUGE_LINES = 20_000;

  @TempDir Path dir;

  @Test
  void everyBadLineGetsItsReasonEveryFileBalancesAndValidRecordsReachSilver() throws IOException {
    Map<String, String> expected = land(dir.resolve("landing"));
    // Generated: a big gzipped file of valid lines; multi-megabyte and oversized fields.
    Path web = dir.resolve("landing").resolve("web").resolve(DAY.toString());
    try (OutputStream out = new GZIPOutputStream(Files.newOutputStream(web.resolve("huge.jsonl.gz")))) {
      for (int i = 1; i <= HUGE_LINES; i++) {
        out.write(("{\"eventId\":\"huge-" + i + "\",\"ts\":\"" + java.time.Instant.parse("2026-03-10T12:00:00Z").plusSeconds(i)
                + "\",\"type\":\"pageview\",\"anonId\":\"h-" + (i % 97) + "\",\"page\":{\"url\":\"/p/" + i + "\"}}\n").getBytes(StandardCharsets.UTF_8));
      }
    }
    Files.writeString(
        web.resolve("big-fields.jsonl"),
        "{\"eventId\":\"big1\",\"ts\":\"2026-03-10T12:00:00Z\",\"type\":\"search\",\"anonId\":\"b\",\"query\":\""
            + "x".repeat(3 << 20) + "\"}\n"
            + "{\"eventId\":\"big2\",\"ts\":\"2026-03-10T12:00:00Z\",\"type\":\"search\",\"anonId\":\"b\",\"query\":\""
            + "y".repeat(200_000) + "\"}\n"
            + "{\"eventId\":\"big3\",\"ts\":\"2026-03-10T12:00:00Z\",\"type\":\"search\",\"anonId\":\"b\",\"query\":\"ok\"}\n");
    expected.put("web/" + DAY + "/big-fields.jsonl|1", "oversized_text");
    expected.put("web/" + DAY + "/big-fields.jsonl|2", "oversized_text");
    expected.put("web/" + DAY + "/big-fields.jsonl|3", "bronze");

    CdxConfig config = config(dir, "ingest.max-quarantine-share=1.0");
    Lakehouse lakehouse = lakehouse(config);
    new IngestJob(spark(), config).run(DAY, DAY, List.of("web", "crm", "email"));

    // Every line of the corpus: bronze, a counted duplicate, or its own quarantine reason.
    Map<String, String> actual = new TreeMap<>();
    for (Row r : lakehouse.read(IngestJob.BRONZE).filter(col("source_file").notEqual("web/" + DAY + "/huge.jsonl.gz"))
        .select("source_file", "line_number").collectAsList()) {
      actual.put(key(r.getString(0), r.getLong(1)), "bronze");
    }
    for (Row r : lakehouse.read(IngestJob.QUARANTINE).select("source_file", "line_number", "reason").collectAsList()) {
      actual.put(key(r.getString(0), r.getLong(1)), r.getString(2));
    }
    Map<String, String> expectedNoDuplicates = new TreeMap<>(expected);
    expectedNoDuplicates.values().removeIf("duplicate"::equals);
    assertThat(actual).isEqualTo(expectedNoDuplicates);

    // The ledger: one balanced row per landed file, empty files included, with the lines counted.
    Map<String, String> ledger = new TreeMap<>();
    for (Row r : lakehouse.read(IngestJob.LEDGER)
        .select("source_file", "lines_read", "bronze_rows", "quarantined", "duplicates", "balanced").collectAsList()) {
      ledger.put(r.getString(0).replace("/" + DAY + "/", "/"),
          r.getLong(1) + " = " + r.getLong(2) + " + " + r.getLong(3) + " + " + r.getLong(4) + " " + r.getBoolean(5));
    }
    Map<String, String> expectedLedger = new TreeMap<>();
    Map<String, long[]> perFile = new TreeMap<>();
    try (Stream<Path> files = Files.walk(dir.resolve("landing"))) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        perFile.put(f.getParent().getParent().getFileName() + "/" + f.getFileName(), new long[4]);
      }
    }
    expected.forEach(
        (k, outcome) -> {
          long[] t = perFile.get(k.substring(0, k.indexOf('|')).replace("/" + DAY + "/", "/"));
          t[0]++;
          t[outcome.equals("bronze") ? 1 : outcome.equals("duplicate") ? 3 : 2]++;
        });
    perFile.get("web/huge.jsonl.gz")[0] = HUGE_LINES;
    perFile.get("web/huge.jsonl.gz")[1] = HUGE_LINES;
    perFile.forEach((f, t) -> expectedLedger.put(f, t[0] + " = " + t[1] + " + " + t[2] + " + " + t[3] + " true"));
    assertThat(ledger).isEqualTo(expectedLedger);

    // The raw text of a rejected line is kept as landed (the truncated JSON, the invalid bytes marked).
    assertThat(value(lakehouse, IngestJob.QUARANTINE, "raw", "web/" + DAY + "/truncated.jsonl", 2))
        .isEqualTo("{\"eventId\":\"bw2\",\"ts\":\"2026-03-10T09:0");
    assertThat(value(lakehouse, IngestJob.QUARANTINE, "raw", "web/" + DAY + "/invalid-utf8.jsonl", 3)).endsWith("\uFFFD\"}");
    assertThat(value(lakehouse, IngestJob.QUARANTINE, "detail", "web/" + DAY + "/big-fields.jsonl", 1)).contains("max-line-bytes");
    assertThat(value(lakehouse, IngestJob.QUARANTINE, "detail", "web/" + DAY + "/big-fields.jsonl", 2)).contains("query");

    // Strings that look like SQL are data, byte for byte; a zone-less ISO time is UTC.
    assertThat(bronze(lakehouse, "event_id", "web/" + DAY + "/sql.jsonl", 1)).isEqualTo("bw50' OR '1'='1");
    assertThat(bronze(lakehouse, "properties['query']", "web/" + DAY + "/sql.jsonl", 1))
        .isEqualTo("'; DROP TABLE bronze.interactions; --");
    assertThat(bronze(lakehouse, "properties['query']", "web/" + DAY + "/sql.jsonl", 2))
        .isEqualTo("x\" UNION SELECT * FROM silver.identity_map -- \\");
    assertThat(bronze(lakehouse, "text", "crm/" + DAY + "/columns.csv", 8)).isEqualTo("Robert'); DROP TABLE students;--");
    assertThat(bronze(lakehouse, "text", "crm/" + DAY + "/columns.csv", 5)).isEqualTo("good, really");
    assertThat(bronze(lakehouse, "cast(event_time AS string)", "web/" + DAY + "/timestamps.jsonl", 3))
        .isEqualTo("2026-03-10 09:00:00");

    // Refine: every valid record reaches silver once; the NFC and NFD spellings of one unicode
    // address are one pseudonym; the unicode handle and the lone identifier are kept.
    new RefineJob(spark(), config).run(DAY, DAY);
    long bronzeRows = lakehouse.read(IngestJob.BRONZE).count();
    assertThat(lakehouse.read(RefineJob.SILVER).count()).isEqualTo(bronzeRows);
    assertThat(lakehouse.read(RefineJob.SILVER).select("event_id").distinct().count()).isEqualTo(bronzeRows);
    String secret = config.privacy().hashKey();
    String country = config.refine().defaultCountryCode();
    String zoe = Identifiers.key(secret, "em", "zoë.müller@exämple.com", country);
    assertThat(silver(lakehouse, "email_key", "bw40")).isEqualTo(zoe);
    assertThat(silver(lakehouse, "email_key", "bw41")).isEqualTo(zoe);
    assertThat(silver(lakehouse, "social_key", "bw40")).isEqualTo(Identifiers.key(secret, "so", "łukasz_🦄", country)).isNotNull();
    assertThat(silver(lakehouse, "anonymous_key", "bw42")).isEqualTo(Identifiers.key(secret, "an", "lonely-визитёр-7", country));
    assertThat(silver(lakehouse, "event_id", "bw50' OR '1'='1")).isEqualTo("web:bw50' OR '1'='1");
  }

  @Test
  void aCsvFileWhoseHeaderLineIsBlankFailsTheRunWithOneLineNamingTheFile() throws IOException {
    Path crm = dir.resolve("landing").resolve("crm").resolve(DAY.toString());
    Files.createDirectories(crm);
    Files.writeString(crm.resolve("no-header.csv"), "\nCRM-1,2026-03-10T09:00:00,web,CU1,,,,review,SKU-1,5,ok,,\n");
    CdxConfig config = config(dir);
    lakehouse(config);
    assertThatThrownBy(() -> new IngestJob(spark(), config).run(DAY, DAY, List.of("crm")))
        .isInstanceOf(CdxException.class)
        .hasMessageStartingWith("Cannot ingest crm/" + DAY + "/no-header.csv: the first line of a CSV file")
        .hasMessageNotContaining("\n");
  }

  /** Copies the corpus into the landing zone under DAY; returns "source/DAY/file|line" → outcome. */
  private static Map<String, String> land(Path landing) {
    try {
      Path corpus = Path.of(BadInputCorpusTest.class.getResource("/bad-input").toURI());
      try (Stream<Path> files = Files.walk(corpus)) {
        for (Path f : files.filter(Files::isRegularFile).toList()) {
          if (f.getParent().equals(corpus)) {
            continue;
          }
          Path target = landing.resolve(f.getParent().getFileName().toString()).resolve(DAY.toString()).resolve(f.getFileName().toString());
          Files.createDirectories(target.getParent());
          Files.copy(f, target);
        }
      }
      Map<String, String> expected = new TreeMap<>();
      for (String line : Files.readAllLines(corpus.resolve("expected.tsv"), StandardCharsets.UTF_8)) {
        if (line.isBlank() || line.startsWith("#")) {
          continue;
        }
        String[] p = line.split("\t");
        String file = p[0].replace("/", "/" + DAY + "/");
        expected.put(file + "|" + p[1], p[2]);
      }
      // Keys of the generated file too, in the same "source/DAY/file" form.
      Map<String, String> out = new TreeMap<>();
      expected.forEach((k, v) -> out.put(k, v));
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }

  private static String key(String file, long line) {
    return file + "|" + line;
  }

  private static String value(Lakehouse lh, String table, String column, String file, long line) {
    List<Row> rows =
        lh.read(table).filter(col("source_file").equalTo(file).and(col("line_number").equalTo(line))).selectExpr(column).collectAsList();
    assertThat(rows).as("%s %s line %d", table, file, line).hasSize(1);
    return rows.get(0).getString(0);
  }

  private static String bronze(Lakehouse lh, String column, String file, long line) {
    return value(lh, IngestJob.BRONZE, column, file, line);
  }

  /** A silver column of the web event with raw id {@code eventId} (silver's event_id is {@code <source>:<raw id>}). */
  private static String silver(Lakehouse lh, String column, String eventId) {
    List<Row> rows = lh.read(RefineJob.SILVER).filter(col("event_id").equalTo("web:" + eventId)).selectExpr(column).collectAsList();
    assertThat(rows).as("silver event %s", eventId).hasSize(1);
    return rows.get(0).getString(0);
  }
}
