package org.customerdynamics.segments;

import static org.apache.spark.sql.functions.bool_and;
import static org.apache.spark.sql.functions.call_udf;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.not;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.customerdynamics.common.Identifiers;

/**
 * Pure transforms of {@code cdx segments} (docs/segments.md). {@link #emailHashes} calls {@code
 * cdx_key} and {@code cdx_email_sha256}, which {@link Identifiers#register} and {@link
 * Identifiers#registerEmailSha256} must have registered in the session.
 */
public final class SegmentsTransforms {
  private SegmentsTransforms() {}

  /** Columns the segment rules see besides those of reporting.customer_360. */
  public static final List<String> ADDED_COLUMNS =
      List.of("segment", "channels", "top_reasons", "untapped", "untapped_score", "top_channel");

  /**
   * One row per person of reporting.customer_360 for the day: every customer_360 column but {@code
   * report_date}, plus {@code segment} (the segment's name, {@code segment-<segment_id>}), {@code
   * channels} (= {@code channels_used}), {@code top_reasons} (of churn_risk), {@code untapped},
   * {@code untapped_score} and {@code top_channel} (of segments). The three inputs are the day's rows
   * without {@code report_date}; churn_risk and segments may be empty.
   */
  public static Dataset<Row> audience(Dataset<Row> customer360, Dataset<Row> churnRisk, Dataset<Row> segments) {
    require(customer360, "person_id", "is_customer", "channels_used", "segment_id", "churn_band", "marketing_consent", "unsubscribed");
    require(churnRisk, "person_id", "top_reasons");
    require(segments, "person_id", "untapped", "untapped_score", "top_channel");
    List<Column> out = new ArrayList<>();
    for (String c : customer360.columns()) {
      if (!c.equals("report_date") && !ADDED_COLUMNS.contains(c)) {
        out.add(col("c." + c).as(c));
      }
    }
    out.add(when(col("c.segment_id").isNotNull(), concat(lit("segment-"), col("c.segment_id").cast("string"))).as("segment"));
    out.add(col("c.channels_used").as("channels"));
    out.add(col("r.top_reasons").as("top_reasons"));
    out.add(col("s.untapped").as("untapped"));
    out.add(col("s.untapped_score").as("untapped_score"));
    out.add(col("s.top_channel").as("top_channel"));
    return customer360.as("c")
        .join(churnRisk.select("person_id", "top_reasons").as("r"), col("c.person_id").equalTo(col("r.person_id")), "left_outer")
        .join(
            segments.select("person_id", "untapped", "untapped_score", "top_channel").as("s"),
            col("c.person_id").equalTo(col("s.person_id")),
            "left_outer")
        .select(out.toArray(Column[]::new));
  }

  /**
   * Marketing consent per person from silver.consent (one row per identifier) through
   * silver.identity_map. Output: {@code person_id}, {@code consent_identifiers} (identifiers of the
   * person with a consent record), {@code consent_ok}: true only when every such identifier has
   * marketing consent and none unsubscribed. A person with no consent record has no row.
   */
  public static Dataset<Row> consentByPerson(Dataset<Row> consent, Dataset<Row> identityMap) {
    require(consent, "identifier", "marketing_consent", "unsubscribed");
    require(identityMap, "node", "person_id");
    Column ok = coalesce(col("marketing_consent"), lit(false)).and(not(coalesce(col("unsubscribed"), lit(false))));
    return identityMap
        .filter(col("person_id").isNotNull())
        .select(col("node"), col("person_id"))
        .join(consent.select(col("identifier"), ok.as("ok")), col("node").equalTo(col("identifier")), "inner")
        .groupBy("person_id")
        .agg(count(lit(1)).as("consent_identifiers"), bool_and(col("ok")).as("consent_ok"))
        .select("person_id", "consent_identifiers", "consent_ok");
  }

  /**
   * The audience (or part of it) with {@code eligible}: the person may receive marketing. True only
   * when silver.consent says so for every identifier of the person with a consent record (and there
   * is at least one) and customer_360 of the day shows marketing consent and no unsubscribe.
   */
  public static Dataset<Row> withEligibility(Dataset<Row> audience, Dataset<Row> consentByPerson) {
    require(audience, "person_id", "marketing_consent", "unsubscribed");
    require(consentByPerson, "person_id", "consent_ok");
    List<Column> out = new ArrayList<>();
    for (String c : audience.columns()) {
      out.add(col("a." + c).as(c));
    }
    out.add(
        coalesce(col("k.consent_ok"), lit(false))
            .and(coalesce(col("a.marketing_consent"), lit(false)))
            .and(not(coalesce(col("a.unsubscribed"), lit(false))))
            .as("eligible"));
    return audience.as("a")
        .join(consentByPerson.select("person_id", "consent_ok").as("k"), col("a.person_id").equalTo(col("k.person_id")), "left_outer")
        .select(out.toArray(Column[]::new));
  }

  /**
   * SHA-256 hex of each normalised e-mail of a person, from raw bronze e-mails keyed as refine keys
   * them and looked up in silver.identity_map (excluded identifiers and identifiers without a person
   * give nothing). Input: {@code email} (raw); output: distinct {@code person_id}, {@code
   * email_sha256}. The raw address never leaves this plan.
   */
  public static Dataset<Row> emailHashes(Dataset<Row> bronzeEmails, Dataset<Row> identityMap) {
    require(bronzeEmails, "email");
    require(identityMap, "node", "person_id", "excluded");
    Dataset<Row> keyed =
        bronzeEmails
            .filter(col("email").isNotNull())
            .select(col("email"))
            .distinct()
            .select(
                concat(lit("em:"), Identifiers.keyColumn("em", col("email"))).as("email_node"),
                call_udf(Identifiers.EMAIL_SHA256_FUNCTION, col("email")).as("email_sha256"))
            .filter(col("email_node").isNotNull().and(col("email_sha256").isNotNull()));
    return identityMap
        .filter(col("person_id").isNotNull().and(not(coalesce(col("excluded"), lit(false)))))
        .select(col("node"), col("person_id"))
        .join(keyed, col("node").equalTo(col("email_node")), "inner")
        .select("person_id", "email_sha256")
        .distinct();
  }

  private static void require(Dataset<Row> df, String... columns) {
    List<String> have = Arrays.asList(df.columns());
    for (String c : columns) {
      if (!have.contains(c)) {
        throw new IllegalArgumentException("segments: input lacks column " + c + "; has " + have);
      }
    }
  }
}
