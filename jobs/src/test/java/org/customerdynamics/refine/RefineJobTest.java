package org.customerdynamics.refine;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructField;
import org.customerdynamics.common.Identifiers;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.common.config.PrivacyConfig;
import org.customerdynamics.ingest.IngestJob;
import org.customerdynamics.testing.SparkTestBase;
import org.customerdynamics.testing.ParquetFiles;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RefineJobTest extends SparkTestBase {
  static final LocalDate DAY = LocalDate.parse("2026-03-10");
  static final List<String> RAW_PII =
      List.of("Ann.Lee@Gmail.com", "annlee@gmail.com", "ann.lee@gmail.com", "(200) 167-5664", "+1 200 167 5664",
          "+12001675664", "bob@x.org", "001 2001675664");

  @TempDir Path dir;

  @Test
  void refinesPseudonymisesSessionsAndKeepsConsentWithoutRawPiiAndRerunsUnchanged() throws Exception {
    Path landing = dir.resolve("landing");
    write(landing.resolve("web/2026-03-10/part-0000.jsonl"),
        "{\"eventId\":\"w1\",\"ts\":\"2026-03-10T09:00:00.000+01:00\",\"type\":\"pageview\",\"anonId\":\"c-1\",\"userId\":\"CU1\"}",
        "{\"eventId\":\"w2\",\"ts\":\"2026-03-10T09:20:00.000+01:00\",\"type\":\"signup\",\"anonId\":\"c-1\",\"userId\":\"CU1\",\"email\":\"Ann.Lee@Gmail.com\"}",
        "{\"eventId\":\"w3\",\"ts\":\"2026-03-10T11:00:00.000+01:00\",\"type\":\"teleport\",\"anonId\":\"c-1\",\"userId\":\"cu1\"}");
    // 05:00 in New York is 09:00 UTC: daylight saving time started on 8 March.
    write(landing.resolve("callcenter/2026-03-10/part-0000.csv"),
        "call_id,started_at,channel,caller_phone,crm_id,email,agent,reason,outcome,csat,notes",
        "CALL-1,2026-03-10 05:00:00,phone,(200) 167-5664,,annlee@gmail.com,AG-001,complaint,resolved,2,"
            + "\"slow delivery, call back on 001 2001675664 or mail ann.lee@gmail.com\"",
        // A caller who gave no identifier: no actor, so no session context; kept exactly once.
        "CALL-2,2026-03-10 06:00:00,phone,,,,AG-002,billing,resolved,4,no caller id");
    write(landing.resolve("crm/2026-03-10/part-0000.csv"),
        "record_id,occurred_at,channel,customer_id,email,phone,loyalty_id,record_type,product_id,rating,text,consent_marketing,referred_email",
        "CRM-1,2026-03-10T07:00:00,web,CU1,Ann.Lee@Gmail.com,,,consent_change,,,,yes,bob@x.org");
    write(landing.resolve("email/2026-03-11/part-0000.jsonl"),
        "{\"id\":\"e1\",\"event\":\"unsubscribe\",\"recipient\":\"ann.lee+news@googlemail.com\",\"ts\":1773140400}");
    CdxConfig config = config(dir);
    Lakehouse lakehouse = lakehouse(config);
    new IngestJob(spark(), config).run(DAY, DAY.plusDays(1), List.of());

    RefineJob refine = new RefineJob(spark(), config);
    refine.run(DAY, DAY);
    refine.run(DAY.plusDays(1), DAY.plusDays(1));

    String secret = PrivacyConfig.DEV_KEY;
    String cu = Identifiers.key(secret, "cu", "CU1", "1");
    String em = Identifiers.key(secret, "em", "ann.lee@gmail.com", "1");
    String ph = Identifiers.key(secret, "ph", "(200) 167-5664", "1");
    List<String> silver =
        rows(lakehouse, "SELECT event_id, date_format(event_time, 'HH:mm'), channel, event_type, customer_key, email_key,"
            + " phone_key, actor_key, text, to_json(properties) FROM silver.interactions");
    assertThat(silver)
        .containsExactly(
            "callcenter:CALL-1|09:00|call_center|complaint|null|" + em + "|" + ph + "|em:" + em
                + "|slow delivery, call back on [phone] or mail [email]|{\"reason\":\"complaint\",\"outcome\":\"resolved\"}",
            "callcenter:CALL-2|10:00|call_center|support_contact|null|null|null|null|no caller id"
                + "|{\"reason\":\"billing\",\"outcome\":\"resolved\"}",
            "crm:CRM-1|07:00|web|consent_change|" + cu + "|" + em + "|null|cu:" + cu + "|null|{\"consent_marketing\":\"yes\"}",
            "email:e1|11:00|email|unsubscribe|null|" + em + "|null|em:" + em + "|null|{}",
            "web:w1|08:00|web|page_view|" + cu + "|null|null|cu:" + cu + "|null|{}",
            "web:w2|08:20|web|signup|" + cu + "|" + em + "|null|cu:" + cu + "|null|{}",
            "web:w3|10:00|web|other|" + cu + "|null|null|cu:" + cu + "|null|{\"raw_event_type\":\"teleport\"}");
    // Sessions (gap 30 min): CRM 07:00 alone; web 08:00 and 08:20 together; web 10:00 a new one.
    List<String> sessions = rows(lakehouse, "SELECT event_id, session_id FROM silver.interactions WHERE actor_key = 'cu:" + cu + "'");
    assertThat(sessions).hasSize(4);
    String s1 = sessions.get(1).split("\\|")[1];
    assertThat(sessions.get(2).split("\\|")[1]).isEqualTo(s1);
    assertThat(sessions.get(0).split("\\|")[1]).isNotEqualTo(s1);
    assertThat(sessions.get(3).split("\\|")[1]).isNotEqualTo(s1);
    // Consent: the unsubscribe of the 11th is later than the consent of the 10th for the same e-mail.
    assertThat(rows(lakehouse, "SELECT identifier, marketing_consent, unsubscribed, event_id FROM silver.consent"))
        .containsExactly("cu:" + cu + "|true|false|crm:CRM-1", "em:" + em + "|false|true|email:e1");

    assertNoRawPii(lakehouse);
    // silver keeps file statistics only for the columns its readers prune by; columns of distinct
    // values are written without a Parquet dictionary, the others keep theirs.
    assertThat(lakehouse.delta(RefineJob.SILVER).detail().select("properties").head().<String, String>getJavaMap(0))
        .containsEntry("delta.dataSkippingStatsColumns", "event_id,event_time,landing_date,person_id");
    // (A file of a row or two may be written plainly whole: its dictionary would not pay.)
    List<String> dictionaries = new ArrayList<>();
    for (String file : lakehouse.read(RefineJob.SILVER).inputFiles()) {
      List<String> columns = ParquetFiles.dictionaryColumns(file);
      assertThat(columns).doesNotContain("event_id", "event_time", "dedup_key", "text");
      dictionaries.addAll(columns);
    }
    assertThat(dictionaries).contains("source", "channel", "landing_date");

    List<String> before = new ArrayList<>(rows(lakehouse, "SELECT * FROM silver.interactions"));
    before.addAll(rows(lakehouse, "SELECT * FROM silver.consent"));
    refine.run(DAY, DAY.plusDays(1));
    List<String> after = new ArrayList<>(rows(lakehouse, "SELECT * FROM silver.interactions"));
    after.addAll(rows(lakehouse, "SELECT * FROM silver.consent"));
    assertThat(after).isEqualTo(before);
  }

  /** Scans every string column (and map values) of silver for a raw e-mail or phone value. */
  static void assertNoRawPii(Lakehouse lakehouse) {
    for (String table : List.of(RefineJob.SILVER, RefineJob.CONSENT)) {
      var df = lakehouse.read(table);
      List<String> cols = new ArrayList<>();
      for (StructField f : df.schema().fields()) {
        if (f.dataType().equals(DataTypes.StringType)) {
          cols.add("coalesce(" + f.name() + ", '')");
        } else if (f.dataType() instanceof org.apache.spark.sql.types.MapType) {
          cols.add("coalesce(to_json(" + f.name() + "), '')");
        }
      }
      for (Row r : df.selectExpr("lower(concat_ws(' ', " + String.join(", ", cols) + "))").collectAsList()) {
        String text = r.getString(0);
        for (String raw : RAW_PII) {
          assertThat(text).as(table).doesNotContain(raw.toLowerCase(Locale.ROOT));
        }
        assertThat(text).as(table).doesNotContainPattern("[a-z0-9._%+-]+@[a-z0-9-]+\\.[a-z]{2,}");
      }
    }
  }

  static void write(Path file, String... lines) throws Exception {
    Files.createDirectories(file.getParent());
    Files.writeString(file, String.join("\n", lines) + "\n");
  }

  static List<String> rows(Lakehouse lakehouse, String sql) {
    String resolved = sql;
    for (String t : List.of("silver.interactions", "silver.consent")) {
      resolved = resolved.replace(t, "delta.`" + lakehouse.path(t) + "`");
    }
    return lakehouse.spark().sql(resolved).collectAsList().stream()
        .map(r -> {
          StringBuilder sb = new StringBuilder();
          for (int i = 0; i < r.size(); i++) {
            sb.append(i > 0 ? "|" : "").append(r.get(i));
          }
          return sb.toString();
        })
        .sorted()
        .toList();
  }
}
