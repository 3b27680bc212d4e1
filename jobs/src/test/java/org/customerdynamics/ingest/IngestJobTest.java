package org.customerdynamics.ingest;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Row;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.FaultPoints;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.testing.SparkTestBase;
import org.customerdynamics.testing.ParquetFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IngestJobTest extends SparkTestBase {
  static final LocalDate DAY = LocalDate.parse("2026-03-10");

  @TempDir Path dir;

  /** One web file with a good, a duplicate and one line of every quarantine reason; one POS CSV file. */
  static void fixtureDay(Landing landing) {
    String good = "{\"eventId\":\"w1\",\"ts\":\"2026-03-10T09:00:00.000+01:00\",\"type\":\"pageview\",\"anonId\":\"c-1\","
        + "\"page\":{\"url\":\"/p/SKU-1\",\"productId\":\"SKU-1\",\"category\":\"toys\"},\"utm\":\"spring\"}";
    landing.file("web", "2026-03-10", "part-0000.jsonl.gz",
        good,
        good,
        "{\"eventId\":\"w2\",\"ts\":\"2026-03-10T23:30:00.000+01:00\",\"type\":\"order\",\"anonId\":\"c-1\",\"userId\":\"CU1\","
            + "\"email\":\"Ann.Lee@Gmail.com\",\"order\":{\"total\":12.5,\"currency\":\"EUR\"}}",
        "{\"eventId\":\"w3\",\"ts\":\"2026-03-",
        "{\"ts\":\"2026-03-10T10:00:00.000+01:00\",\"type\":\"pageview\",\"anonId\":\"c-2\"}",
        "{\"eventId\":\"w4\",\"ts\":\"not-a-time\",\"type\":\"pageview\",\"anonId\":\"c-2\"}",
        "{\"eventId\":\"w5\",\"ts\":\"2026-03-12T02:00:00.000+01:00\",\"type\":\"pageview\",\"anonId\":\"c-2\"}",
        "{\"eventId\":\"w6\",\"ts\":\"2026-03-11T10:00:00.000+01:00\",\"type\":\"pageview\",\"anonId\":\"c-2\"}",
        "{\"eventId\":\"w7\",\"ts\":\"2026-03-10T10:00:00.000+01:00\",\"type\":\"order\",\"anonId\":\"c-2\",\"order\":{\"total\":\"twelve euros\"}}",
        "{\"eventId\":\"w8\",\"ts\":\"2026-03-10T10:00:00.000+01:00\",\"type\":\"search\",\"anonId\":\"c-2\",\"query\":\"" + "x".repeat(9000) + "\"}",
        "{\"eventId\":\"w9\",\"ts\":\"2026-03-10T10:00:00.000+01:00\",\"type\":\"search\",\"anonId\":\"c-2\",\"query\":\"caf" + Landing.BAD_BYTES + "\"}",
        "{\"eventId\":\"w10\",\"ts\":\"2026-03-10T10:00:00.000+01:00\",\"type\":\"search\",\"anonId\":\"c-2\",\"query\":\"caf\\u0001\"}",
        "{\"eventId\":\"w11\",\"ts\":\"1999-12-31T00:00:00.000+00:00\",\"type\":\"pageview\",\"anonId\":\"c-2\"}",
        "{\"eventId\":\"w2\",\"ts\":\"2026-03-10T23:31:00.000+01:00\",\"type\":\"order\",\"anonId\":\"c-1\"}",
        "");
    landing.file("pos", "2026-03-10", "part-0000.csv",
        "txn_id,store_id,terminal,local_time,loyalty_card,customer_no,phone,sku,category,qty,amount,currency,kind",
        "TX1,ST01,POS-01-1,10/03/2026 11:02:56,LC1,CU1,(200) 167-5664,SKU-2,toys,1,19.99,EUR,SALE",
        "TX2,ST01,KIOSK-01,10/03/2026 12:00:00,LC1,,,,,,,,REDEEM",
        "TX3,ST01,POS-01-1,10/03/2026 12:00:00,LC1,,,,,,,,SALE,extra",
        "TX4,ST01,POS-01-1,10/03/2026 12:00:00,LC1,,,SKU-3,toys,1,abc,EUR,SALE");
  }

  @Test
  void mapsValidatesQuarantinesEveryReasonAndBalancesTheLedger() {
    fixtureDay(new Landing(dir.resolve("landing")));
    CdxConfig config = config(dir);
    Lakehouse lakehouse = lakehouse(config);
    IngestJob job = new IngestJob(spark(), config);

    var report = job.run(DAY, DAY, List.of("web", "pos"));

    assertThat(report)
        .containsExactly(
            new IngestJob.SliceReport(DAY, "pos", 1, 4, 2, 2, 0),
            new IngestJob.SliceReport(DAY, "web", 1, 15, 3, 11, 1));
    assertThat(rows(lakehouse, "SELECT source_file, line_number, reason FROM bronze.quarantine"))
        .containsExactly(
            "pos/2026-03-10/part-0000.csv|4|wrong_column_count",
            "pos/2026-03-10/part-0000.csv|5|wrong_type",
            "web/2026-03-10/part-0000.jsonl.gz|10|oversized_text",
            "web/2026-03-10/part-0000.jsonl.gz|11|bad_encoding",
            "web/2026-03-10/part-0000.jsonl.gz|12|bad_encoding",
            "web/2026-03-10/part-0000.jsonl.gz|13|too_old",
            "web/2026-03-10/part-0000.jsonl.gz|14|conflicting_duplicate",
            "web/2026-03-10/part-0000.jsonl.gz|15|unparseable",
            "web/2026-03-10/part-0000.jsonl.gz|4|unparseable",
            "web/2026-03-10/part-0000.jsonl.gz|5|missing_required_field",
            "web/2026-03-10/part-0000.jsonl.gz|6|bad_timestamp",
            "web/2026-03-10/part-0000.jsonl.gz|7|future_event",
            "web/2026-03-10/part-0000.jsonl.gz|9|wrong_type");
    // bronze keeps file statistics only for the columns its readers filter on.
    assertThat(lakehouse.delta(IngestJob.BRONZE).detail().select("properties").head().<String, String>getJavaMap(0))
        .containsEntry("delta.dataSkippingStatsColumns", "source,event_id,event_time,event_date,source_file,line_number");
    // Columns of distinct values are written without a Parquet dictionary; the others keep theirs.
    // The first load (an empty bronze) is written by the read tasks: a file per landed file here.
    String[] files = lakehouse.read(IngestJob.BRONZE).inputFiles();
    assertThat(files).hasSize(2);
    for (String file : files) {
      assertThat(ParquetFiles.dictionaryColumns(file)).contains("source", "source_file").doesNotContain("event_id", "event_time", "line_number", "record_hash", "text");
    }
    assertThat(rows(lakehouse, "SELECT raw FROM bronze.quarantine WHERE line_number = 6"))
        .containsExactly("{\"eventId\":\"w4\",\"ts\":\"not-a-time\",\"type\":\"pageview\",\"anonId\":\"c-2\"}");
    // A conflicting duplicate passed validation, so its line is read again from its file for the quarantine.
    assertThat(rows(lakehouse, "SELECT event_id, raw FROM bronze.quarantine WHERE reason = 'conflicting_duplicate'"))
        .containsExactly("w2|{\"eventId\":\"w2\",\"ts\":\"2026-03-10T23:31:00.000+01:00\",\"type\":\"order\",\"anonId\":\"c-1\"}");
    assertThat(
            rows(
                lakehouse,
                "SELECT source, event_id, date_format(event_time, \"yyyy-MM-dd'T'HH:mm:ss\"), event_date, channel, event_type,"
                    + " customer_id, anonymous_id, device_id, email, phone, loyalty_id, product_id, amount, line_number,"
                    + " to_json(properties), ingest_run, landing_date FROM bronze.interactions"))
        .containsExactly(
            "pos|TX1|2026-03-10T10:02:56|2026-03-10|store|purchase|CU1|null|POS-01-1|null|(200) 167-5664|LC1|SKU-2|19.99|2"
                + "|{\"store_id\":\"ST01\",\"qty\":\"1\"}|ingest:2026-03-10|2026-03-10",
            "pos|TX2|2026-03-10T11:00:00|2026-03-10|kiosk|points_redeemed|null|null|KIOSK-01|null|null|LC1|null|null|3"
                + "|{\"store_id\":\"ST01\"}|ingest:2026-03-10|2026-03-10",
            "web|w1|2026-03-10T08:00:00|2026-03-10|web|page_view|null|c-1|null|null|null|null|SKU-1|null|1"
                + "|{\"page.url\":\"/p/SKU-1\",\"utm\":\"spring\"}|ingest:2026-03-10|2026-03-10",
            "web|w2|2026-03-10T22:30:00|2026-03-10|web|purchase|CU1|c-1|null|Ann.Lee@Gmail.com|null|null|null|12.5|3"
                + "|{}|ingest:2026-03-10|2026-03-10",
            "web|w6|2026-03-11T09:00:00|2026-03-11|web|page_view|null|c-2|null|null|null|null|null|null|8"
                + "|{}|ingest:2026-03-10|2026-03-10");
    assertThat(
            rows(
                lakehouse,
                "SELECT source_file, lines_read, bronze_rows, quarantined, duplicates, balanced,"
                    + " to_json(quarantine_reasons) FROM bronze.ingest_ledger"))
        .containsExactly(
            "pos/2026-03-10/part-0000.csv|4|2|2|0|true|{\"wrong_column_count\":1,\"wrong_type\":1}",
            "web/2026-03-10/part-0000.jsonl.gz|15|3|11|1|true|{\"bad_encoding\":2,\"bad_timestamp\":1,"
                + "\"conflicting_duplicate\":1,\"future_event\":1,\"missing_required_field\":1,\"oversized_text\":1,"
                + "\"too_old\":1,\"unparseable\":2,\"wrong_type\":1}");
    // The ledger's quarantined counts come from the quarantine write's own commit, found by its token:
    // the commit is tagged and reports as many rows as the table holds.
    Row commit =
        lakehouse.delta(IngestJob.QUARANTINE).history(1).select("userMetadata", "operationMetrics").head();
    assertThat(commit.getString(0)).startsWith("cdx-ingest-");
    assertThat(commit.<String, String>getJavaMap(1)).containsEntry("numOutputRows", "13");

    // A rerun of the same date leaves every table as it was.
    List<String> before = snapshot(lakehouse);
    job.run(DAY, DAY, List.of("web", "pos"));
    assertThat(snapshot(lakehouse)).isEqualTo(before);
  }

  @Test
  void lateEventsAreAcceptedOnceAndAFileLandedTwiceAddsNothingEvenWhenDatesRunConcurrently() throws Exception {
    Landing landing = new Landing(dir.resolve("landing"));
    landing.file("email", "2026-03-10", "part-0000.jsonl",
        "{\"id\":\"e1\",\"event\":\"open\",\"recipient\":\"a@x.org\",\"ts\":1773136800}",
        "{\"id\":\"e2\",\"event\":\"click\",\"recipient\":\"a@x.org\",\"ts\":1773137000,\"url\":\"https://s/c\"}");
    landing.copy("email", "2026-03-10", "2026-03-11", "part-0000.jsonl");
    landing.file("email", "2026-03-11", "part-0001.jsonl",
        "{\"id\":\"e3\",\"event\":\"open\",\"recipient\":\"b@x.org\",\"ts\":1773183600}",
        "{\"id\":\"e4\",\"event\":\"open\",\"recipient\":\"b@x.org\",\"ts\":1773226800}");
    CdxConfig config = config(dir);
    Lakehouse lakehouse = lakehouse(config);
    LocalDate next = DAY.plusDays(1);

    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      Future<?> a = pool.submit(() -> new IngestJob(spark(), config).run(DAY, DAY, List.of("email")));
      Future<?> b = pool.submit(() -> new IngestJob(spark(), config).run(next, next, List.of("email")));
      a.get();
      b.get();
    } finally {
      pool.shutdown();
    }
    // e3 is a late event (landed on the 11th, happened on the 10th); the copy of the 10th's file adds nothing.
    assertThat(rows(lakehouse, "SELECT event_id, event_date FROM bronze.interactions"))
        .containsExactly("e1|2026-03-10", "e2|2026-03-10", "e3|2026-03-10", "e4|2026-03-11");
    assertThat(rows(lakehouse, "SELECT sum(lines_read), sum(bronze_rows), sum(duplicates), bool_and(balanced) FROM bronze.ingest_ledger"))
        .containsExactly("6|4|2|true");

    // Rerunning each date (as the scheduler retries) changes nothing: the copy written first keeps the key.
    List<String> before = snapshot(lakehouse);
    new IngestJob(spark(), config).run(next, next, List.of("email"));
    new IngestJob(spark(), config).run(DAY, DAY, List.of("email"));
    assertThat(snapshot(lakehouse)).isEqualTo(before);
  }

  @Test
  void aKeyThatAnotherRunCommitsBetweenTheDedupReadAndTheMergeIsCountedBackAndTheRunRedone() {
    Landing landing = new Landing(dir.resolve("landing"));
    landing.file("email", "2026-03-09", "part-0000.jsonl",
        "{\"id\":\"e0\",\"event\":\"open\",\"recipient\":\"a@x.org\",\"ts\":1773050400}");
    landing.file("email", "2026-03-10", "part-0000.jsonl",
        "{\"id\":\"e1\",\"event\":\"open\",\"recipient\":\"a@x.org\",\"ts\":1773136800}",
        "{\"id\":\"e2\",\"event\":\"click\",\"recipient\":\"a@x.org\",\"ts\":1773137000,\"url\":\"https://s/c\"}");
    CdxConfig config = config(dir);
    Lakehouse lakehouse = lakehouse(config);
    new IngestJob(spark(), config).run(DAY.minusDays(1), DAY.minusDays(1), List.of("email"));

    // After the 10th's run has read bronze's keys, and before its MERGE, another run commits e2 (a late
    // copy with other content, landed on the 9th). The MERGE then inserts only e1.
    boolean[] committed = {false};
    FaultPoints.onceAt(
        "ingest.before-bronze",
        () -> {
          lakehouse.spark().sql(
              "INSERT INTO delta.`" + lakehouse.path(IngestJob.BRONZE) + "` "
                  + "SELECT 'e2' AS event_id, * EXCEPT (event_id) FROM delta.`" + lakehouse.path(IngestJob.BRONZE) + "` WHERE event_id = 'e0'");
          committed[0] = true;
        });
    List<IngestJob.SliceReport> report = new IngestJob(spark(), config).run(DAY, DAY, List.of("email"));

    // The shortfall is counted back from bronze and the run redoes its slice with the fresh table:
    // e2 is now a known key with other content, so the 10th's e2 is quarantined, and nothing is lost.
    assertThat(committed[0]).isTrue();
    assertThat(report).containsExactly(new IngestJob.SliceReport(DAY, "email", 1, 2, 1, 1, 0));
    assertThat(rows(lakehouse, "SELECT event_id, landing_date FROM bronze.interactions"))
        .containsExactly("e0|2026-03-09", "e1|2026-03-10", "e2|2026-03-09");
    assertThat(rows(lakehouse, "SELECT event_id, reason FROM bronze.quarantine"))
        .containsExactly("e2|conflicting_duplicate");
    assertThat(rows(lakehouse, "SELECT landing_date, lines_read, bronze_rows, quarantined, duplicates, balanced FROM bronze.ingest_ledger"))
        .containsExactly("2026-03-09|1|1|0|0|true", "2026-03-10|2|1|1|0|true");
  }

  @Test
  void aConflictingDuplicateWhoseFileChangedDuringTheRunFailsTheRunNamingTheLine() {
    Landing landing = new Landing(dir.resolve("landing"));
    String first = "{\"id\":\"e1\",\"event\":\"open\",\"recipient\":\"a@x.org\",\"ts\":1773136800}";
    landing.file("email", "2026-03-10", "part-0000.jsonl",
        first, "{\"id\":\"e1\",\"event\":\"click\",\"recipient\":\"a@x.org\",\"ts\":1773136900}");
    CdxConfig config = config(dir);
    // The conflicting duplicate's line is read again for the quarantine; the file changes before that.
    FaultPoints.onceAt(
        "ingest.before-bronze",
        () -> landing.file("email", "2026-03-10", "part-0000.jsonl",
            first, "{\"id\":\"e1\",\"event\":\"bounce\",\"recipient\":\"a@x.org\",\"ts\":1773136900}"));

    assertThatThrownBy(() -> new IngestJob(spark(), config).run(DAY, DAY, List.of("email")))
        .hasStackTraceContaining(
            "Cannot quarantine line 2 of email/2026-03-10/part-0000.jsonl: the file no longer holds the line read at the start");
  }

  @Test
  void aRunOverTheQuarantineShareFailsAfterRecordingWhy() {
    Landing landing = new Landing(dir.resolve("landing"));
    landing.file("iot", "2026-03-10", "part-0000.jsonl",
        "{\"msgId\":\"i1\",\"deviceSerial\":\"SN-1\",\"epoch\":1773136800.5}",
        "{\"msgId\":\"i2\",\"deviceSerial\":\"SN-1\",\"epoch\":\"soon\"}",
        "{\"msgId\":\"i3\",\"deviceSerial\":\"SN-1\",\"epoch\":\"later\"}");
    CdxConfig config = config(dir, "ingest.max-quarantine-share=0.5", "ingest.quarantine-share-min-lines=1");
    Lakehouse lakehouse = lakehouse(config);

    assertThatThrownBy(() -> new IngestJob(spark(), config).run(DAY, DAY, List.of("iot")))
        .isInstanceOf(CdxException.class)
        .hasMessageStartingWith("Cannot accept ingest: iot on 2026-03-10 quarantined 2 of 3 lines (66.7%; {bad_timestamp=2})")
        .hasMessageContaining("--replay-quarantine");
    assertThat(rows(lakehouse, "SELECT lines_read, bronze_rows, quarantined, balanced, quarantine_share > 0.5 FROM bronze.ingest_ledger"))
        .containsExactly("3|1|2|true|true");
    assertThat(rows(lakehouse, "SELECT event_id, reason FROM bronze.quarantine")).containsExactly("i2|bad_timestamp", "i3|bad_timestamp");
  }

  static List<String> snapshot(Lakehouse lakehouse) {
    List<String> all = new java.util.ArrayList<>();
    for (String t : List.of(IngestJob.BRONZE, IngestJob.QUARANTINE, IngestJob.LEDGER)) {
      all.add("== " + t);
      all.addAll(rows(lakehouse, "SELECT * FROM " + t));
    }
    return all;
  }

  /** Runs a query over the test's lakehouse tables (addressed by path) and renders sorted rows. */
  static List<String> rows(Lakehouse lakehouse, String sql) {
    String resolved = sql;
    for (String t : List.of("bronze.interactions", "bronze.quarantine", "bronze.ingest_ledger", "silver.interactions", "silver.consent")) {
      resolved = resolved.replace(t, "delta.`" + lakehouse.path(t) + "`");
    }
    return lakehouse.spark().sql(resolved).collectAsList().stream()
        .map(IngestJobTest::render)
        .sorted()
        .toList();
  }

  static String render(Row r) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < r.size(); i++) {
      if (i > 0) {
        sb.append('|');
      }
      Object v = r.get(i);
      sb.append(v instanceof scala.collection.Map<?, ?> m ? new java.util.TreeMap<>(scala.jdk.javaapi.CollectionConverters.asJava(m)).toString() : String.valueOf(v));
    }
    return sb.toString();
  }
}
