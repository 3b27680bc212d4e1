package org.customerdynamics.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A source whose raw format no generated source shares (three-level nesting, epoch microseconds,
 * unrelated field names) needs only a YAML file; a wrong mapping quarantines, and after the fix
 * {@code --replay-quarantine} brings the records to bronze with the ledger recounted.
 */
class NewSourceTest extends SparkTestBase {
  static final LocalDate DAY = LocalDate.parse("2026-03-10");

  static String mapping(String timeFormat) {
    return """
        # A chat vendor: deeply nested JSON, epoch microseconds.
        source: partner_chat
        format: jsonl
        fields:
          event_id: meta.evt.uid
          event_time: {expr: meta.evt.at_us, format: %s}
          channel: {value: chat}
          event_type: {expr: what, values: {msg: support_contact, rate: feedback}}
          email: who.contact.mail
          text: body
          rating: "try_cast(score AS int)"
        """.formatted(timeFormat);
  }

  @TempDir Path dir;

  @Test
  void aNewFormatNeedsOnlyAMappingAndReplayRecoversAfterAFix() throws Exception {
    new Landing(dir.resolve("landing"))
        .file("partner_chat", "2026-03-10", "chat-1.jsonl",
            "{\"meta\":{\"evt\":{\"uid\":\"k1\",\"at_us\":1773136800123456}},\"who\":{\"contact\":{\"mail\":\"a@b.org\"}},"
                + "\"what\":\"msg\",\"body\":\"where is my order\",\"lang\":\"fr\"}",
            "{\"meta\":{\"evt\":{\"uid\":\"k2\",\"at_us\":1773140400000000}},\"what\":\"rate\",\"score\":\"4\"}");
    Path conf = Landing.conf(dir.resolve("conf"), projectDir().resolve("conf"), "partner_chat", mapping("epoch-millis"));
    CdxConfig wrong = config(dir, "conf-dir=" + conf, "ingest.max-quarantine-share=1.0");
    Lakehouse lakehouse = lakehouse(wrong);

    new IngestJob(spark(), wrong).run(DAY, DAY, List.of("partner_chat"));
    assertThat(IngestJobTest.rows(lakehouse, "SELECT event_id, reason FROM bronze.quarantine"))
        .containsExactly("k1|bad_timestamp", "k2|bad_timestamp");

    Files.writeString(conf.resolve("sources/partner_chat.yaml"), mapping("epoch-micros"));
    CdxConfig fixed = config(dir, "conf-dir=" + conf);
    var summary = new IngestJob(spark(), fixed).replay(DAY, DAY, List.of("partner_chat"));

    assertThat(summary).containsEntry(IngestTransforms.ACCEPTED, 2L);
    assertThat(IngestJobTest.rows(lakehouse, "SELECT * FROM bronze.quarantine")).isEmpty();
    assertThat(
            IngestJobTest.rows(
                lakehouse,
                "SELECT event_id, date_format(event_time, \"yyyy-MM-dd'T'HH:mm:ss.SSSSSS\"), channel, event_type, email, text,"
                    + " rating, to_json(properties), line_number, ingest_run FROM bronze.interactions"))
        .containsExactly(
            "k1|2026-03-10T10:00:00.123456|chat|support_contact|a@b.org|where is my order|null|{\"lang\":\"fr\"}|1|replay:2026-03-10",
            "k2|2026-03-10T11:00:00.000000|chat|feedback|null|null|4|{\"score\":\"4\"}|2|replay:2026-03-10");
    assertThat(IngestJobTest.rows(lakehouse, "SELECT lines_read, bronze_rows, quarantined, duplicates, balanced FROM bronze.ingest_ledger"))
        .containsExactly("2|2|0|0|true");

    // Replaying again finds nothing left to do.
    assertThat(new IngestJob(spark(), fixed).replay(DAY, DAY, List.of("partner_chat"))).isEmpty();
  }
}
