package org.customerdynamics.segments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Identifiers;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.refine.RefineTransforms;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Segment lists and exports over a hand-made lakehouse of seven persons:
 *
 * <pre>
 * person  customer  segment  churn   channels      consent records (silver.consent)        customer_360 consent
 * p1      yes       1        high    web, store    em:yes, cu:yes                          yes
 * p2      yes       1        high    web           em:yes, cu:unsubscribed                 yes (not yet seen)
 * p3      no        1        -       web           none                                    no
 * p4      yes       1        low     web           em:yes                                  unsubscribed
 * p5      yes       1        low     store         em:no                                   no
 * p6      no        2 (untapped) -   social        ph:yes                                  yes
 * p7      yes       1        low     store         cu:yes                                  yes
 * </pre>
 *
 * p1 has two e-mail addresses in bronze; every person has a raw phone in bronze.
 */
class SegmentsJobTest extends SparkTestBase {
  static final LocalDate D = LocalDate.parse("2026-02-01");
  static final String P1_MAIL = "Jane.Doe+promo@GoogleMail.com";
  static final String P1_MAIL_NORMALISED = "janedoe@gmail.com";
  static final String P1_WORK_MAIL = " jane@Work.Example ";

  @TempDir static Path dir;
  static CdxConfig config;
  static CdxConfig withSha;

  @BeforeAll
  static void lakehouse() {
    String saved = "segments.saved.web-churners=churn_band = 'high' AND 'web' IN channels";
    config = config(dir, saved);
    withSha = config(dir, saved, "segments.include-email-sha256=true");
    Lakehouse lh = lakehouse(config);
    String secret = config.privacy().hashKey();
    String cc = config.refine().defaultCountryCode();
    Date d = Date.valueOf(D);

    StructType c360 =
        new StructType()
            .add("report_date", DataTypes.DateType).add("person_id", DataTypes.StringType)
            .add("is_customer", DataTypes.BooleanType)
            .add("channels_used", DataTypes.createArrayType(DataTypes.StringType))
            .add("churn_score", DataTypes.DoubleType).add("churn_band", DataTypes.StringType)
            .add("segment_id", DataTypes.IntegerType).add("untapped_segment", DataTypes.BooleanType)
            .add("marketing_consent", DataTypes.BooleanType).add("unsubscribed", DataTypes.BooleanType);
    lh.replaceWhere(
        frame(c360, List.of(
            RowFactory.create(d, "p1", true, new String[] {"web", "store"}, 0.9, "high", 1, false, true, false),
            RowFactory.create(d, "p2", true, new String[] {"web"}, 0.8, "high", 1, false, true, false),
            RowFactory.create(d, "p3", false, new String[] {"web"}, null, null, 1, false, false, false),
            RowFactory.create(d, "p4", true, new String[] {"web"}, 0.1, "low", 1, false, false, true),
            RowFactory.create(d, "p5", true, new String[] {"store"}, 0.2, "low", 1, false, false, false),
            RowFactory.create(d, "p6", false, new String[] {"social"}, null, null, 2, true, true, false),
            RowFactory.create(d, "p7", true, new String[] {"store"}, 0.1, "low", 1, false, true, false),
            // another day: never part of D's segments
            RowFactory.create(Date.valueOf(D.minusDays(1)), "p9", true, new String[] {"web"}, 0.9, "high", 1, false, true, false))),
        "reporting.customer_360", "report_date = DATE'" + D + "'", "report_date");

    StructType churn =
        new StructType().add("report_date", DataTypes.DateType).add("person_id", DataTypes.StringType)
            .add("churn_score", DataTypes.DoubleType).add("churn_band", DataTypes.StringType)
            .add("top_reasons", DataTypes.createArrayType(DataTypes.StringType));
    List<Row> churnRows = new ArrayList<>();
    for (String[] p : new String[][] {{"p1", "high"}, {"p2", "high"}, {"p4", "low"}, {"p5", "low"}, {"p7", "low"}}) {
      churnRows.add(RowFactory.create(d, p[0], p[1].equals("high") ? 0.85 : 0.1, p[1], new String[] {"recency_days"}));
    }
    lh.replaceWhere(frame(churn, churnRows), "reporting.churn_risk", "report_date = DATE'" + D + "'", "report_date");

    StructType segs =
        new StructType().add("report_date", DataTypes.DateType).add("person_id", DataTypes.StringType)
            .add("segment_id", DataTypes.IntegerType).add("untapped", DataTypes.BooleanType)
            .add("untapped_score", DataTypes.DoubleType).add("is_customer", DataTypes.BooleanType)
            .add("top_channel", DataTypes.StringType);
    List<Row> segRows = new ArrayList<>();
    for (String p : List.of("p1", "p2", "p3", "p4", "p5", "p7")) {
      segRows.add(RowFactory.create(d, p, 1, false, 0.1, !p.equals("p3"), "web"));
    }
    segRows.add(RowFactory.create(d, "p6", 2, true, 0.8, false, "social"));
    lh.replaceWhere(frame(segs, segRows), "reporting.segments", "report_date = DATE'" + D + "'", "report_date");

    StructType runs =
        new StructType().add("report_date", DataTypes.DateType)
            .add("tables", DataTypes.createArrayType(DataTypes.StringType)).add("persons", DataTypes.LongType);
    lh.replaceWhere(frame(runs, List.<Row>of(RowFactory.create(d, new String[] {"customer_360"}, 7L))),
        "reporting.report_runs", "report_date = DATE'" + D + "'");

    // Identifier nodes as refine and identity write them.
    String em1 = "em:" + Identifiers.key(secret, "em", P1_MAIL, cc);
    String em1b = "em:" + Identifiers.key(secret, "em", P1_WORK_MAIL, cc);
    String em2 = "em:" + Identifiers.key(secret, "em", "bob@example.org", cc);
    String em4 = "em:" + Identifiers.key(secret, "em", "dana@example.org", cc);
    String em5 = "em:" + Identifiers.key(secret, "em", "eve@example.org", cc);
    String em3 = "em:" + Identifiers.key(secret, "em", "carl@example.org", cc);
    String shared = "em:" + Identifiers.key(secret, "em", "family@example.org", cc);
    String ph6 = "ph:" + Identifiers.key(secret, "ph", "+44 20 7946 0018", cc);
    StructType map =
        new StructType().add("node", DataTypes.StringType).add("id_type", DataTypes.StringType)
            .add("person_id", DataTypes.StringType).add("excluded", DataTypes.BooleanType);
    lh.overwrite(
        frame(map, List.of(
            RowFactory.create(em1, "em", "p1", false), RowFactory.create(em1b, "em", "p1", false),
            RowFactory.create("cu:k1", "cu", "p1", false),
            RowFactory.create(em2, "em", "p2", false), RowFactory.create("cu:k2", "cu", "p2", false),
            RowFactory.create(em3, "em", "p3", false), RowFactory.create(em4, "em", "p4", false),
            RowFactory.create(em5, "em", "p5", false), RowFactory.create(ph6, "ph", "p6", false),
            RowFactory.create("cu:k7", "cu", "p7", false),
            // an over-linked household address: it belongs to nobody, its hash is never exported
            RowFactory.create(shared, "em", null, true))),
        "silver.identity_map");

    StructType consent =
        new StructType().add("identifier", DataTypes.StringType).add("marketing_consent", DataTypes.BooleanType)
            .add("unsubscribed", DataTypes.BooleanType).add("event_type", DataTypes.StringType)
            .add("event_time", DataTypes.TimestampType).add("event_id", DataTypes.StringType);
    Timestamp t = Timestamp.valueOf("2026-01-20 10:00:00");
    lh.overwrite(
        frame(consent, List.of(
            RowFactory.create(em1, true, false, "consent_change", t, "c1"),
            RowFactory.create("cu:k1", true, false, "consent_change", t, "c2"),
            RowFactory.create(em2, true, false, "consent_change", t, "c3"),
            RowFactory.create("cu:k2", false, true, "unsubscribe", t, "c4"),
            RowFactory.create(em4, true, false, "consent_change", t, "c5"),
            RowFactory.create(em5, false, false, "consent_change", t, "c6"),
            RowFactory.create(ph6, true, false, "consent_change", t, "c7"),
            RowFactory.create("cu:k7", true, false, "consent_change", t, "c8"),
            RowFactory.create(shared, true, false, "consent_change", t, "c9"))),
        "silver.consent");

    StructType bronze =
        new StructType().add("event_id", DataTypes.StringType).add("email", DataTypes.StringType)
            .add("phone", DataTypes.StringType).add("landing_date", DataTypes.DateType);
    List<Row> bronzeRows = new ArrayList<>();
    String[][] contacts = {
      {P1_MAIL, "+1 415 555 0101"}, {P1_WORK_MAIL, null}, {"bob@example.org", "(415) 555-0102"},
      {"carl@example.org", "415.555.0103"}, {"dana@example.org", "+44 20 7946 0014"},
      {"eve@example.org", "0044 20 7946 0015"}, {null, "+44 20 7946 0018"}, {"family@example.org", null}
    };
    for (int i = 0; i < contacts.length; i++) {
      bronzeRows.add(RowFactory.create("b" + i, contacts[i][0], contacts[i][1], d));
    }
    lh.overwrite(frame(bronze, bronzeRows), "bronze.interactions", "landing_date");
  }

  private static Dataset<Row> frame(StructType schema, List<Row> rows) {
    return spark().createDataFrame(rows, schema);
  }

  private static SegmentsJob job(CdxConfig c) {
    return new SegmentsJob(spark(), c);
  }

  private static List<Row> read(String out, String format) {
    Dataset<Row> rows = spark().read().format(format).option("header", "true").load(out);
    return rows.orderBy(rows.columns()[0], rows.columns()[rows.columns().length - 1]).collectAsList();
  }

  private static String sha256(String s) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8)));
  }

  /** Everything written under an export folder, as text. */
  private static String contents(Path folder) throws IOException {
    StringBuilder all = new StringBuilder();
    try (Stream<Path> files = Files.walk(folder)) {
      for (Path f : files.filter(Files::isRegularFile).toList()) {
        all.append(new String(Files.readAllBytes(f), StandardCharsets.ISO_8859_1)).append('\n');
      }
    }
    return all.toString();
  }

  @Test
  void exportLeavesOutEveryoneWithoutConsentAndWritesNoRawEmailOrPhone() throws Exception {
    Path out = dir.resolve("consent-check/segment-1");
    SegmentsJob.ExportResult r = job(withSha).export(D, "segment-1", null, "csv", out.toString(), false);

    // p2: one identifier unsubscribed; p3: no consent record; p4: unsubscribed in customer_360; p5: consent "no"
    assertThat(r.matched()).isEqualTo(6);
    assertThat(r.excludedForConsent()).isEqualTo(4);
    assertThat(r.exported()).isEqualTo(2);
    assertThat(r.rows()).isEqualTo(3); // p1 has two e-mail addresses
    assertThat(r.rowsWithEmail()).isEqualTo(2);
    assertThat(read(out.toString(), "csv"))
        .extracting(row -> row.getString(0) + "," + row.getString(1) + "," + (row.isNullAt(2) ? "-" : "sha"))
        .containsExactlyInAnyOrder("p1,true,sha", "p1,true,sha", "p7,true,-");

    String text = contents(out);
    assertThat(Files.exists(out.resolve("_SUCCESS"))).isTrue();
    assertThat(Pattern.compile(RefineTransforms.EMAIL_PATTERN).matcher(text).find()).as("an e-mail address").isFalse();
    assertThat(Pattern.compile(RefineTransforms.PHONE_PATTERN).matcher(text).find()).as("a phone number").isFalse();
    assertThat(text).doesNotContain("p2").doesNotContain("p3").doesNotContain("p4").doesNotContain("p5");
    assertThat(text).doesNotContain(sha256("family@example.org"));
    // no temporary folder is left beside the export
    try (Stream<Path> siblings = Files.list(out.getParent())) {
      assertThat(siblings.map(p -> p.getFileName().toString())).containsExactly("segment-1");
    }
  }

  @Test
  void emailSha256IsTheSha256OfTheNormalisedAddress() throws Exception {
    Path out = dir.resolve("exports/p1.parquet");
    job(withSha).export(D, null, "person_id = 'p1'", "parquet", out.toString(), false);
    // `printf 'janedoe@gmail.com' | sha256sum` and `printf 'jane@work.example' | sha256sum`
    String known = "d6117306485ed0e50afab3ac871e98f81699151f30281527d63ff5f233656c69";
    String knownWork = "4f23f2b84498b2c7479c185576ebaf5ca01e2d97dc81d465118590dc7c84258e";
    assertThat(sha256(P1_MAIL_NORMALISED)).isEqualTo(known);
    assertThat(read(out.toString(), "parquet"))
        .extracting(row -> row.getString(0) + " " + row.getString(2))
        .containsExactlyInAnyOrder("p1 " + known, "p1 " + knownWork);
  }

  @Test
  void listAndExportCountsAgree() {
    List<SegmentsJob.Summary> list = job(withSha).list(D);
    assertThat(list)
        .extracting(s -> s.name() + " " + s.rule() + " " + s.persons() + "/" + s.customers() + "/" + s.prospects() + "/" + s.withConsent())
        .containsExactly(
            "segment-1 segment_id = 1 6/5/1/2",
            "segment-2 segment_id = 2 1/0/1/1",
            "untapped untapped 1/0/1/1",
            "churn-high churn_band = 'high' 2/2/0/1",
            "churn-low churn_band = 'low' 3/3/0/1",
            "web-churners churn_band = 'high' AND 'web' IN channels 2/2/0/1");
    for (SegmentsJob.Summary s : List.of(list.get(0), list.get(3), list.get(5))) {
      SegmentsJob.ExportResult r =
          job(config).export(D, s.name(), null, "parquet", dir.resolve("exports/agree-" + s.name()).toString(), false);
      assertThat(r.matched()).as(s.name()).isEqualTo(s.persons());
      assertThat(r.exported()).as(s.name()).isEqualTo(s.withConsent());
      assertThat(r.excludedForConsent()).as(s.name()).isEqualTo(s.persons() - s.withConsent());
      assertThat(r.rows()).as(s.name()).isEqualTo(s.withConsent());
      assertThat(r.rowsWithEmail()).isEqualTo(-1);
    }
    String table = SegmentsJob.format(D, list);
    assertThat(table).contains("name          kind   rule").contains("with_consent");
  }

  @Test
  void aRuleOverTheSegmentColumnsSelectsAndTheOutputIsReplacedOnlyWithOverwrite() {
    String out = dir.resolve("exports/rule").toString();
    String rule = "churn_band = 'high' AND segment = 'segment-1' AND 'web' in channels AND 'recency_days' IN top_reasons";
    SegmentsJob.ExportResult r = job(config).export(D, null, rule, "csv", out, false);
    assertThat(r.matched()).isEqualTo(2);
    assertThat(r.exported()).isEqualTo(1);
    assertThat(r.describe(D)).isEqualTo(
        "segments export 2026-02-01 rule \"" + rule + "\": matched 2 persons, excluded for consent 1, exported 1 persons (1 rows) to "
            + out + " as csv");

    assertThatThrownBy(() -> job(config).export(D, null, "untapped", "csv", out, false))
        .isInstanceOf(CdxException.class)
        .hasMessage("Cannot export to " + out + ": it already exists; pass --overwrite to replace it or choose another --out");
    job(config).export(D, null, "untapped", "csv", out, true);
    assertThat(read(out, "csv")).extracting(row -> row.getString(0)).containsExactly("p6");

    SegmentsJob.ExportResult none = job(withSha).export(D, null, "person_id = 'nobody'", "csv", out + "-empty", false);
    assertThat(List.of(none.matched(), none.exported(), none.rows(), none.rowsWithEmail())).containsExactly(0L, 0L, 0L, 0L);
    assertThat(Files.exists(Path.of(out + "-empty", "_SUCCESS"))).isTrue();
  }

  @Test
  void badRulesAndUnknownSegmentsAreClearErrors() {
    String out = dir.resolve("exports/never").toString();
    assertThatThrownBy(() -> job(config).export(D, null, "churn_bnd = 'high'", "csv", out, false))
        .isInstanceOf(CdxException.class)
        .hasMessageStartingWith("Cannot use rule \"churn_bnd = 'high'\": ")
        .hasMessageContaining("churn_bnd")
        .hasMessageContaining("; columns: person_id, is_customer, channels_used");
    assertThatThrownBy(() -> job(config).export(D, null, "churn_score", "csv", out, false))
        .hasMessageStartingWith("Cannot use rule \"churn_score\": ")
        .hasMessageMatching("(?is).*not a boolean.*");
    assertThatThrownBy(() -> job(config).export(D, null, "segment_id = 'one'", "csv", out, false))
        .isInstanceOf(CdxException.class)
        .hasMessageStartingWith("Cannot use rule \"segment_id = 'one'\": ")
        .hasMessageContaining("'one'");
    assertThatThrownBy(() -> job(config).export(D, "segment-9", null, "csv", out, false))
        .hasMessage("Cannot export segment 'segment-9': no such segment for 2026-02-01; `cdx segments list --run-date"
            + " 2026-02-01` shows them, or pass --rule");
    assertThatThrownBy(() -> job(config).list(D.plusDays(1)))
        .hasMessage("Cannot list segments for 2026-02-02: the reporting tables of 2026-02-02 are not complete (no row in"
            + " reporting.report_runs); run `cdx report --run-date 2026-02-02` first");
    assertThat(Files.exists(Path.of(out))).isFalse();
  }
}
