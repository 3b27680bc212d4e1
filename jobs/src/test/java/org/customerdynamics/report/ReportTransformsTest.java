package org.customerdynamics.report;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;

class ReportTransformsTest extends SparkTestBase {

  private Dataset<Row> sql(String q) {
    return spark().sql(q);
  }

  @Test
  void servicePerformanceCountsResolutionSatisfactionAndLaterChurnPerAgent() {
    // Agent A served P1 (resolved, 5) and P2 (unresolved, 1, complaint); P2 cancelled afterwards.
    // Agent B served P3 (resolved, 4); P3 was last seen long before the run date: churned by inactivity.
    Dataset<Row> contacts =
        sql("SELECT * FROM VALUES"
            + " ('A','P1',TIMESTAMP'2026-01-10 10:00:00','support_contact',5,'resolved'),"
            + " ('A','P2',TIMESTAMP'2026-01-11 10:00:00','complaint',1,'unresolved'),"
            + " ('B','P3',TIMESTAMP'2026-01-02 10:00:00','support_contact',4,'resolved'),"
            + " (NULL,'P1',TIMESTAMP'2026-01-12 10:00:00','support_contact',3,'resolved')"
            + " AS t(agent_id, person_id, event_time, event_type, rating, outcome)");
    Dataset<Row> status =
        sql("SELECT * FROM VALUES"
            + " ('P1',TIMESTAMP'2026-02-27 09:00:00',CAST(NULL AS TIMESTAMP)),"
            + " ('P2',TIMESTAMP'2026-02-20 09:00:00',TIMESTAMP'2026-01-20 09:00:00'),"
            + " ('P3',TIMESTAMP'2026-01-05 09:00:00',CAST(NULL AS TIMESTAMP))"
            + " AS t(st_person_id, last_seen, cancelled_at)");
    List<Row> rows =
        ReportTransforms.servicePerformance(contacts, status, LocalDate.of(2026, 2, 28), 30)
            .orderBy("agent_id").collectAsList();
    assertThat(rows).hasSize(2);
    Row a = rows.get(0);
    assertThat(a.getString(0)).isEqualTo("A");
    assertThat(a.getLong(1)).isEqualTo(2); // contacts
    assertThat(a.getLong(2)).isEqualTo(2); // customers
    assertThat(a.getLong(3)).isEqualTo(1); // resolved
    assertThat(a.getDouble(4)).isEqualTo(0.5);
    assertThat(a.getDouble(5)).isEqualTo(3.0);
    assertThat(a.getLong(6)).isEqualTo(1); // complaints
    assertThat(a.getLong(7)).isEqualTo(1); // P2 cancelled after the contact
    assertThat(a.getDouble(8)).isEqualTo(0.5);
    Row b = rows.get(1);
    assertThat(b.getLong(7)).isEqualTo(1); // P3 inactive for 30 days before the run date
    assertThat(b.getDouble(8)).isEqualTo(1.0);
  }

  @Test
  void dailyKpisCountPerChannelAndInTotal() {
    Dataset<Row> events =
        sql("SELECT * FROM VALUES"
            + " (DATE'2026-01-01','web','page_view','P1',CAST(NULL AS DOUBLE)),"
            + " (DATE'2026-01-01','web','purchase','P1',20.0D),"
            + " (DATE'2026-01-01','web','purchase','P1',5.0D),"
            + " (DATE'2026-01-01','web','page_view',CAST(NULL AS STRING),CAST(NULL AS DOUBLE)),"
            + " (DATE'2026-01-01','store','page_view','P1',CAST(NULL AS DOUBLE)),"
            + " (DATE'2026-01-01','store','purchase','P2',30.0D),"
            + " (DATE'2026-01-01','email','email_open','P3',CAST(NULL AS DOUBLE)),"
            + " (DATE'2026-01-02','call_center','complaint','P2',CAST(NULL AS DOUBLE)),"
            + " (DATE'2025-12-31','web','page_view','P9',CAST(NULL AS DOUBLE))"
            + " AS t(event_date, channel, event_type, person_id, amount)");
    Dataset<Row> first =
        sql("SELECT * FROM VALUES ('P1',DATE'2026-01-01'),('P2',DATE'2025-12-01'),('P3',DATE'2026-01-01'),('P9',DATE'2025-12-31')"
            + " AS t(fs_person_id, first_date)");
    List<String> rows =
        ReportTransforms.dailyKpis(events, first, LocalDate.of(2026, 1, 1), LocalDate.of(2026, 1, 2))
            .orderBy("kpi_date", "channel")
            .selectExpr("concat_ws('|', kpi_date, channel, active_persons, new_persons, events, purchases, revenue,"
                + " round(conversion_rate, 3), support_contacts, complaints, email_opens)")
            .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    // P1 bought twice on the web and browsed in the store: one active, new, purchasing person in
    // each channel and in all; the unresolved page view counts as an event of no person.
    assertThat(rows).containsExactly(
        "2026-01-01|all|3|2|7|3|55.0|0.667|0|0|1",
        "2026-01-01|email|1|1|1|0|0.0|0.0|0|0|1",
        "2026-01-01|store|2|1|2|1|30.0|0.5|0|0|0",
        "2026-01-01|web|1|1|4|2|25.0|1.0|0|0|0",
        "2026-01-02|all|1|0|1|0|0.0|0.0|1|1|0",
        "2026-01-02|call_center|1|0|1|0|0.0|0.0|1|1|0");
  }

  @Test
  void consentFollowsTheLatestChangeAndUnsubscribeWithdrawsIt() {
    Dataset<Row> events =
        sql("SELECT * FROM VALUES"
            + " ('P1',TIMESTAMP'2026-01-01 00:00:00','consent_change',map('consent_marketing','yes')),"
            + " ('P2',TIMESTAMP'2026-01-01 00:00:00','consent_change',map('consent_marketing','yes')),"
            + " ('P2',TIMESTAMP'2026-01-05 00:00:00','unsubscribe',map()),"
            + " ('P3',TIMESTAMP'2026-01-01 00:00:00','consent_change',map('consent_marketing','yes')),"
            + " ('P3',TIMESTAMP'2026-01-03 00:00:00','consent_change',map('consent_marketing','no'))"
            + " AS t(person_id, event_time, event_type, properties)");
    List<String> rows =
        ReportJob.consent(events).orderBy("cs_person_id")
            .selectExpr("concat_ws('|', cs_person_id, marketing_consent, unsubscribed)")
            .as(org.apache.spark.sql.Encoders.STRING()).collectAsList();
    assertThat(rows).containsExactly("P1|true|false", "P2|false|true", "P3|false|false");
  }
}
