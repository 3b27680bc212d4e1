package org.customerdynamics.segments;

import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.count_if;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.spark.SparkThrowable;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Identifiers;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.segments.ExportOutput.Format;

/**
 * {@code segments list|export --run-date D} (docs/segments.md): the segments marketing can pull from
 * the reporting tables of D, and exports of one segment (by name or rule) with persons who may not
 * receive marketing left out. Each input is read at one Delta version, so the counts printed and the
 * rows written agree. Consent is the current state of silver.consent (a withdrawal made after D is
 * honoured) combined with customer_360 of D; see {@link SegmentsTransforms#withEligibility}.
 */
public final class SegmentsJob {
  static final String RUNS = "reporting.report_runs";
  static final List<String> BAND_ORDER = List.of("high", "medium", "low");

  /** A segment of the day: built-in ({@code model}, {@code churn}), {@code saved} in config, or an ad-hoc {@code rule}. */
  public record Segment(String name, String kind, SegmentRule rule, String note) {}

  /** One line of {@code segments list}. */
  public record Summary(
      String name, String kind, String rule, long persons, long customers, long prospects, long withConsent, String note) {}

  /** What an export did. {@code rows} can exceed {@code exported} when persons have several e-mails. */
  public record ExportResult(
      String segment, String rule, long matched, long excludedForConsent, long exported, long rows, long rowsWithEmail,
      String out, String format) {
    public String describe(LocalDate runDate) {
      return String.format(
          "segments export %s %s: matched %,d persons, excluded for consent %,d, exported %,d persons (%,d rows%s) to %s as %s",
          runDate,
          segment.equals("rule") ? "rule \"" + rule + "\"" : segment,
          matched, excludedForConsent, exported, rows,
          rowsWithEmail >= 0 ? String.format(", %,d with email_sha256", rowsWithEmail) : "",
          out, format);
    }
  }

  private final SparkSession spark;
  private final CdxConfig config;
  private final Lakehouse lakehouse;

  public SegmentsJob(SparkSession spark, CdxConfig config) {
    this.spark = spark;
    this.config = config;
    this.lakehouse = new Lakehouse(spark, config);
  }

  /** The inputs of one day, each read at one Delta version. */
  private record Inputs(Dataset<Row> audience, Dataset<Row> consentByPerson, long identityMapVersion) {}

  private Inputs inputs(LocalDate runDate, String action) {
    java.sql.Date d = java.sql.Date.valueOf(runDate);
    if (!lakehouse.exists(RUNS)
        || pinned(RUNS).filter(col("report_date").equalTo(lit(d))).isEmpty()) {
      throw new CdxException(
          "Cannot " + action + " for " + runDate + ": the reporting tables of " + runDate
              + " are not complete (no row in " + RUNS + "); run `cdx report --run-date " + runDate + "` first");
    }
    Dataset<Row> c360 = day("reporting.customer_360", d, null);
    Dataset<Row> churn =
        day("reporting.churn_risk", d, new StructType().add("person_id", DataTypes.StringType)
            .add("top_reasons", DataTypes.createArrayType(DataTypes.StringType)));
    Dataset<Row> segments =
        day("reporting.segments", d, new StructType().add("person_id", DataTypes.StringType)
            .add("untapped", DataTypes.BooleanType).add("untapped_score", DataTypes.DoubleType)
            .add("top_channel", DataTypes.StringType));
    Dataset<Row> audience = SegmentsTransforms.audience(c360, churn, segments);
    long mapVersion = lakehouse.version("silver.identity_map");
    Dataset<Row> consent =
        lakehouse.exists("silver.consent")
            ? pinned("silver.consent")
            : empty(new StructType().add("identifier", DataTypes.StringType)
                .add("marketing_consent", DataTypes.BooleanType).add("unsubscribed", DataTypes.BooleanType));
    Dataset<Row> consentByPerson = SegmentsTransforms.consentByPerson(consent, identityMap(mapVersion));
    return new Inputs(audience, consentByPerson, mapVersion);
  }

  private Dataset<Row> identityMap(long version) {
    if (version < 0) {
      return empty(new StructType().add("node", DataTypes.StringType).add("person_id", DataTypes.StringType)
          .add("excluded", DataTypes.BooleanType));
    }
    return lakehouse.readVersion("silver.identity_map", version);
  }

  /** The segments of the day: one per model segment, {@code untapped}, one per churn band, and the saved ones. */
  private List<Segment> segments(Dataset<Row> audience) {
    describe("segments: find the day's segments");
    TreeMap<Integer, Boolean> model = new TreeMap<>();
    TreeSet<String> bands = new TreeSet<>(Comparator.comparingInt((String b) -> BAND_ORDER.contains(b) ? BAND_ORDER.indexOf(b) : 99).thenComparing(b -> b));
    for (Row r : audience.select("segment_id", "untapped", "churn_band").distinct().collectAsList()) {
      if (!r.isNullAt(0)) {
        int id = ((Number) r.get(0)).intValue();
        model.merge(id, !r.isNullAt(1) && r.getBoolean(1), Boolean::logicalOr);
      }
      if (!r.isNullAt(2)) {
        bands.add(r.getString(2));
      }
    }
    List<Segment> out = new ArrayList<>();
    for (Map.Entry<Integer, Boolean> e : model.entrySet()) {
      out.add(new Segment("segment-" + e.getKey(), "model", SegmentRule.parse("segment_id = " + e.getKey()),
          e.getValue() ? "untapped" : ""));
    }
    if (model.containsValue(true)) {
      out.add(new Segment("untapped", "model", SegmentRule.parse("untapped"), "all untapped segments"));
    }
    for (String band : bands) {
      if (SegmentsConfig.NAME.matcher("churn-" + band).matches()) {
        out.add(new Segment("churn-" + band, "churn", SegmentRule.parse("churn_band = '" + band + "'"), ""));
      }
    }
    for (Map.Entry<String, String> e : new TreeMap<>(config.segments().saved()).entrySet()) {
      SegmentRule rule;
      try {
        rule = SegmentRule.parse(e.getValue());
      } catch (CdxException ex) {
        throw CdxException.usage("Cannot use saved segment '" + e.getKey() + "' (segments.saved." + e.getKey() + "): " + ex.getMessage());
      }
      out.add(new Segment(e.getKey(), "saved", rule, ""));
    }
    return out;
  }

  /** {@code segments list}: every segment of D with its persons, customers, prospects and persons with consent. */
  public List<Summary> list(LocalDate runDate) {
    Inputs in = inputs(runDate, "list segments");
    List<Segment> segments = segments(in.audience());
    if (segments.isEmpty()) {
      return List.of();
    }
    List<Column> flags = new ArrayList<>();
    flags.add(col("*"));
    for (int i = 0; i < segments.size(); i++) {
      flags.add(check(in.audience(), segments.get(i)).as("_s" + i));
    }
    Dataset<Row> flagged = SegmentsTransforms.withEligibility(in.audience().select(flags.toArray(Column[]::new)), in.consentByPerson());
    Column customer = coalesce(col("is_customer"), lit(false));
    List<Column> aggs = new ArrayList<>();
    for (int i = 0; i < segments.size(); i++) {
      Column s = col("_s" + i);
      aggs.add(count_if(s));
      aggs.add(count_if(s.and(customer)));
      aggs.add(count_if(s.and(col("eligible"))));
    }
    describe("segments list " + runDate);
    Row counts = evaluate("list segments for " + runDate, null,
        () -> flagged.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(Column[]::new)).head());
    List<Summary> out = new ArrayList<>();
    for (int i = 0; i < segments.size(); i++) {
      Segment s = segments.get(i);
      long persons = counts.getLong(3 * i);
      long customers = counts.getLong(3 * i + 1);
      out.add(new Summary(s.name(), s.kind(), s.rule().text(), persons, customers, persons - customers,
          counts.getLong(3 * i + 2), s.note()));
    }
    return out;
  }

  /**
   * {@code segments export}: the persons of one segment ({@code segmentName}) or rule ({@code ruleText})
   * who may receive marketing, written to {@code out} as {@code person_id}, {@code is_customer} and,
   * with segments.include-email-sha256, {@code email_sha256}.
   */
  public ExportResult export(
      LocalDate runDate, String segmentName, String ruleText, String format, String out, boolean overwrite) {
    if ((segmentName == null) == (ruleText == null)) {
      throw CdxException.usage("Cannot export: give exactly one of --segment NAME and --rule PREDICATE");
    }
    Format fmt = Format.parse(format);
    SegmentRule adHoc = ruleText != null ? SegmentRule.parse(ruleText) : null;
    ExportOutput.checkWritable(spark, out, overwrite);
    Inputs in = inputs(runDate, "export a segment");
    Segment segment;
    if (adHoc != null) {
      segment = new Segment("rule", "rule", adHoc, "");
    } else {
      segment =
          segments(in.audience()).stream()
              .filter(s -> s.name().equals(segmentName))
              .findFirst()
              .orElseThrow(() -> CdxException.usage(
                  "Cannot export segment '" + segmentName + "': no such segment for " + runDate
                      + "; `cdx segments list --run-date " + runDate + "` shows them, or pass --rule"));
    }
    Dataset<Row> matched =
        SegmentsTransforms.withEligibility(in.audience().filter(check(in.audience(), segment)), in.consentByPerson());
    describe("segments export: count " + segment.name());
    Row counts = evaluate("export " + segment.name(), segment,
        () -> matched.agg(count(lit(1)), count_if(col("eligible"))).head());
    long total = counts.getLong(0);
    long exported = counts.getLong(1);

    Dataset<Row> persons =
        matched.filter(col("eligible")).select(col("person_id"), coalesce(col("is_customer"), lit(false)).as("is_customer"));
    boolean sha = config.segments().includeEmailSha256();
    Dataset<Row> rows;
    if (sha) {
      Identifiers.register(spark, config.privacy().hashKey(), config.refine().defaultCountryCode());
      Identifiers.registerEmailSha256(spark);
      Dataset<Row> emails = lakehouse.readVersion("bronze.interactions", requireVersion("bronze.interactions")).select("email");
      Dataset<Row> hashes = SegmentsTransforms.emailHashes(emails, identityMap(in.identityMapVersion()));
      rows =
          persons.as("p")
              .join(hashes.as("h"), col("p.person_id").equalTo(col("h.person_id")), "left_outer")
              .select(col("p.person_id").as("person_id"), col("p.is_customer").as("is_customer"), col("h.email_sha256").as("email_sha256"))
              .orderBy("person_id", "email_sha256");
    } else {
      rows = persons.orderBy("person_id");
    }
    describe("segments export: write " + out);
    ExportOutput.write(rows.coalesce(1), fmt, out, overwrite);

    describe("segments export: check " + out);
    // with the written schema: an empty export may hold no data file to infer one from
    var reader = spark.read().format(fmt.sparkName()).schema(rows.schema());
    if (fmt == Format.CSV) {
      reader = reader.option("header", "true");
    }
    Dataset<Row> written = reader.load(out);
    Row check =
        sha ? written.agg(count(lit(1)), count(col("email_sha256"))).head() : written.agg(count(lit(1))).head();
    return new ExportResult(segment.name(), segment.rule().text(), total, total - exported, exported,
        check.getLong(0), sha ? check.getLong(1) : -1, out, fmt.sparkName());
  }

  /** The rule of a segment as a column over the audience; a usage error when the columns do not fit. */
  private static Column check(Dataset<Row> audience, Segment segment) {
    Column c = expr(segment.rule().sql());
    try {
      audience.filter(c);
    } catch (Exception e) { // AnalysisException is undeclared (Scala)
      if (!(e instanceof AnalysisException)) {
        throw e;
      }
      throw CdxException.usage(ruleError(segment) + SegmentRule.firstLine(e.getMessage())
          + "; columns: " + String.join(", ", audience.columns()));
    }
    return c;
  }

  private static String ruleError(Segment segment) {
    return segment.kind().equals("rule")
        ? "Cannot use rule \"" + segment.rule().text() + "\": "
        : "Cannot use segment '" + segment.name() + "' (rule \"" + segment.rule().text() + "\"): ";
  }

  /** Runs an action; a data error raised while evaluating a rule (SQLSTATE class 22) names the rule. */
  private static <T> T evaluate(String what, Segment segment, java.util.function.Supplier<T> action) {
    try {
      return action.get();
    } catch (RuntimeException e) {
      for (Throwable c = e; c != null; c = c.getCause()) {
        if (c instanceof SparkThrowable st && st.getSqlState() != null && st.getSqlState().startsWith("22")) {
          String prefix = segment != null ? ruleError(segment) : "Cannot " + what + ": a segment rule failed on the data: ";
          throw CdxException.usage(prefix + SegmentRule.firstLine(c.getMessage()));
        }
      }
      throw e;
    }
  }

  private Dataset<Row> pinned(String table) {
    return lakehouse.readVersion(table, requireVersion(table));
  }

  private long requireVersion(String table) {
    long v = lakehouse.version(table);
    if (v < 0) {
      lakehouse.read(table); // throws the standard "run the job that writes it" error
    }
    return v;
  }

  /** The rows of D of a reporting table without report_date; {@code ifAbsent} when the table is missing (null: required). */
  private Dataset<Row> day(String table, java.sql.Date d, StructType ifAbsent) {
    if (ifAbsent != null && !lakehouse.exists(table)) {
      return empty(ifAbsent);
    }
    return pinned(table).filter(col("report_date").equalTo(lit(d))).drop("report_date");
  }

  private Dataset<Row> empty(StructType schema) {
    return spark.createDataFrame(List.of(), schema);
  }

  private void describe(String what) {
    spark.sparkContext().setJobDescription(what);
  }

  /** The list as a text table. */
  public static String format(LocalDate runDate, List<Summary> summaries) {
    List<String[]> rows = new ArrayList<>();
    rows.add(new String[] {"name", "kind", "rule", "persons", "customers", "prospects", "with_consent", "note"});
    for (Summary s : summaries) {
      rows.add(new String[] {
        s.name(), s.kind(), s.rule(), String.valueOf(s.persons()), String.valueOf(s.customers()),
        String.valueOf(s.prospects()), String.valueOf(s.withConsent()), s.note()
      });
    }
    int[] width = new int[rows.get(0).length];
    for (String[] r : rows) {
      for (int i = 0; i < r.length; i++) {
        width[i] = Math.max(width[i], r[i].length());
      }
    }
    StringBuilder out = new StringBuilder();
    out.append("segments of ").append(runDate)
        .append(" (with_consent: persons an export includes; export with `cdx segments export --run-date ")
        .append(runDate).append(" --segment NAME`)\n");
    for (int j = 0; j < rows.size(); j++) {
      String[] r = rows.get(j);
      StringBuilder line = new StringBuilder();
      for (int i = 0; i < r.length; i++) {
        boolean number = i >= 3 && i <= 6;
        String cell = number ? " ".repeat(width[i] - r[i].length()) + r[i] : r[i] + " ".repeat(width[i] - r[i].length());
        line.append(i == 0 ? "" : "  ").append(cell);
      }
      out.append(line.toString().stripTrailing()).append('\n');
    }
    if (summaries.isEmpty()) {
      out.append("(no segments: reporting.customer_360 of ").append(runDate).append(" has no segment or churn band, and no segments.saved is configured)\n");
    }
    return out.toString();
  }
}
