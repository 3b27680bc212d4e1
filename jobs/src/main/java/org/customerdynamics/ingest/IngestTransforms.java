package org.customerdynamics.ingest;

import static org.apache.spark.sql.functions.abs;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.length;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.octet_length;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.timestamp_micros;
import static org.apache.spark.sql.functions.timestamp_millis;
import static org.apache.spark.sql.functions.timestamp_seconds;
import static org.apache.spark.sql.functions.to_utc_timestamp;
import static org.apache.spark.sql.functions.try_to_timestamp;
import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.from_csv;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.map_filter;
import static org.apache.spark.sql.functions.map_from_arrays;
import static org.apache.spark.sql.functions.map_keys;
import static org.apache.spark.sql.functions.map_values;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.udf;
import static org.apache.spark.sql.functions.when;
import static org.apache.spark.sql.functions.xxhash64;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.CdxException;

/**
 * Pure transforms of ingest: numbered raw lines → canonical interactions with a quarantine reason →
 * outcomes (accepted, duplicate, quarantined) → bronze, quarantine and ledger rows. No I/O.
 *
 * <p>Quarantine reasons, checked in this order (the first that applies wins): {@code
 * unreadable_file}, {@code bad_encoding}, {@code oversized_text} (line over the byte limit), {@code
 * unparseable}, {@code wrong_column_count}, {@code missing_required_field}, {@code oversized_text}
 * (a field over the length limit), {@code wrong_type}, {@code bad_timestamp}, {@code future_event},
 * {@code too_old}, the mapping's own check reasons, then at dedup {@code conflicting_duplicate} (a
 * known event id with different content).
 */
public final class IngestTransforms {
  private IngestTransforms() {}

  public static final String UNREADABLE_FILE = "unreadable_file";
  public static final String BAD_ENCODING = "bad_encoding";
  public static final String UNPARSEABLE = "unparseable";
  public static final String WRONG_COLUMN_COUNT = "wrong_column_count";
  public static final String MISSING_REQUIRED_FIELD = "missing_required_field";
  public static final String OVERSIZED_TEXT = "oversized_text";
  public static final String WRONG_TYPE = "wrong_type";
  public static final String BAD_TIMESTAMP = "bad_timestamp";
  public static final String FUTURE_EVENT = "future_event";
  public static final String TOO_OLD = "too_old";
  public static final String CONFLICTING_DUPLICATE = "conflicting_duplicate";

  /** Every built-in reason, in the order they are checked. */
  public static final List<String> REASONS =
      List.of(
          UNREADABLE_FILE,
          BAD_ENCODING,
          UNPARSEABLE,
          WRONG_COLUMN_COUNT,
          MISSING_REQUIRED_FIELD,
          OVERSIZED_TEXT,
          WRONG_TYPE,
          BAD_TIMESTAMP,
          FUTURE_EVENT,
          TOO_OLD,
          CONFLICTING_DUPLICATE);

  public static final String ACCEPTED = "accepted";
  public static final String DUPLICATE = "duplicate";
  public static final String QUARANTINED = "quarantined";
  /** Replay only: the record is already in bronze from this very line (an interrupted replay). */
  public static final String ALREADY_IN_BRONZE = "already_in_bronze";

  /** C0 control characters other than tab, line feed and carriage return: binary garbage in text. */
  static final String CONTROL_CHARS = "[\\x00-\\x08\\x0B\\x0C\\x0E-\\x1F]";

  /** Validation limits, from {@code ingest.*} settings. */
  public record Limits(int maxTextLength, int maxFutureHours, String minEventTime) {}

  /**
   * Parses numbered lines ({@link LandingReader#LINES}) into a flat map of raw fields {@code raw}
   * (JSON: nested objects flattened into {@code parent.child} keys, as deep as the mapping refers; CSV: the header's
   * columns) plus {@code column_count} for CSV. Output: the line columns, {@code raw}, {@code
   * column_count}, {@code expected_columns}.
   */
  public static Dataset<Row> parse(Dataset<Row> lines, SourceMapping mapping, String header) {
    require(lines, "source", "source_file", "landing_date", "line_number", "value", "oversized_line", "read_error");
    Column raw;
    Column count;
    Column expected;
    Column properties;
    Column control;
    Object[] consumed = consumed(mapping).toArray();
    if (mapping.csv()) {
      List<String> columns = headerColumns(header, mapping.delimiter());
      StructType schema = new StructType();
      List<Column> names = new ArrayList<>();
      List<Column> values = new ArrayList<>();
      for (int i = 0; i < columns.size(); i++) {
        schema = schema.add("c" + i, DataTypes.StringType);
        names.add(lit(columns.get(i)));
        values.add(col("_csv.c" + i));
      }
      Map<String, String> options = new LinkedHashMap<>();
      options.put("sep", mapping.delimiter());
      options.put("mode", "PERMISSIVE");
      lines =
          lines.withColumn(
              "_csv",
              when(col("value").isNotNull(), from_csv(col("value"), lit(schema.toDDL()), options)));
      raw = when(col("_csv").isNotNull(), map_from_arrays(array(names.toArray(Column[]::new)), array(values.toArray(Column[]::new))));
      String d = Pattern.quote(mapping.delimiter()).replace("'", "\\'");
      count =
          expr(
              "size(split(regexp_replace(value, '\"(?:[^\"]|\"\")*\"', ''), '" + d.replace("\\", "\\\\") + "', -1))");
      expected = lit(columns.size());
      // IN over literals becomes a hash-set lookup; array_contains would compare key by key.
      properties =
          map_filter(raw, (k, v) -> v.isNotNull().and(consumed.length == 0 ? lit(true) : k.isin(consumed).unary_$bang()));
      // One regex over the joined values (line feed, the separator, is not a control character
      // here): a lambda per value would run interpreted.
      control = concat_ws("\n", map_values(raw)).rlike(CONTROL_CHARS);
    } else {
      // One Jackson pass per line (JsonFields): the same map as from_json plus flattening by
      // higher-order functions, whose lambdas Spark would interpret row by row; the properties and
      // the control-character check in the same pass.
      lines =
          lines.withColumn(
              "_json",
              udf(JsonFields.udf(depth(mapping), consumed(mapping)), JsonFields.FIELDS)
                  .withName("cdx_json_fields")
                  .apply(col("value")));
      raw = col("_json.raw");
      properties = col("_json.properties");
      control = col("_json.control");
      count = lit(null).cast(DataTypes.IntegerType);
      expected = lit(null).cast(DataTypes.IntegerType);
    }
    return lines.select(
        col("source"),
        col("source_file"),
        col("landing_date"),
        col("line_number"),
        col("value"),
        col("oversized_line"),
        col("read_error"),
        raw.as("raw"),
        count.as("column_count"),
        expected.as("expected_columns"),
        properties.as("properties"),
        control.as("has_control"));
  }

  /** The raw fields a mapping copies as they are into a canonical field: they are not kept in {@code properties}. */
  static Set<String> consumed(SourceMapping mapping) {
    Set<String> consumed = new LinkedHashSet<>();
    for (FieldSpec f : mapping.fields().values()) {
      String bare = f.value() == null ? SourceMappings.bareReference(f.expression()) : null;
      if (bare != null) {
        consumed.add(bare);
      }
    }
    return consumed;
  }

  /**
   * How many levels of JSON nesting are flattened into {@code parent.child...} keys: the deepest
   * raw path the mapping refers to, at least 2. Deeper objects stay JSON text.
   */
  static int depth(SourceMapping mapping) {
    int depth = 2;
    for (FieldSpec f : mapping.fields().values()) {
      for (List<String> ref : SourceMappings.references(f.expression())) {
        depth = Math.max(depth, ref.size());
      }
    }
    return depth;
  }

  /** The column names of a CSV header line. */
  public static List<String> headerColumns(String header, String delimiter) {
    if (header == null || header.isBlank()) {
      throw new CdxException("Cannot parse CSV: the file has no header line; CSV sources need one");
    }
    List<String> out = new ArrayList<>();
    for (String c : header.split(Pattern.quote(delimiter), -1)) {
      String name = c.strip();
      if (name.length() >= 2 && name.startsWith("\"") && name.endsWith("\"")) {
        name = name.substring(1, name.length() - 1).replace("\"\"", "\"");
      }
      out.add(name.startsWith("\uFEFF") ? name.substring(1) : name);
    }
    return out;
  }

  /**
   * Applies a mapping to parsed lines and validates: canonical fields ({@link Canonical#FIELDS}),
   * {@code event_date}, {@code properties} (every raw field not copied as is into a canonical
   * field), {@code record_hash} (of the raw line), {@code reason} and {@code detail} (null when the
   * record is valid), {@code raw_text} (the line, for records that fail validation only) and {@code
   * raw_truncated}. Lineage columns are kept.
   */
  public static Dataset<Row> canonicalise(Dataset<Row> parsed, SourceMapping mapping, Limits limits) {
    require(parsed, "source", "source_file", "landing_date", "line_number", "value", "raw", "column_count", "properties", "has_control");
    // Raw columns the expressions refer to, built from the flat map.
    Map<String, Object> tree = new LinkedHashMap<>();
    for (Map.Entry<String, FieldSpec> e : mapping.fields().entrySet()) {
      for (List<String> ref : SourceMappings.references(e.getValue().expression())) {
        addPath(tree, ref, 0, mapping.source());
      }
    }
    List<Column> select = new ArrayList<>();
    for (String c : List.of("source", "source_file", "landing_date", "line_number", "value", "oversized_line", "read_error", "raw", "column_count", "expected_columns", "properties", "has_control")) {
      select.add(col(c).as("_cdx_" + c));
    }
    for (Map.Entry<String, Object> node : tree.entrySet()) {
      select.add(rawColumn(node.getKey(), node.getValue()).as(node.getKey()));
    }
    Dataset<Row> withRaw = parsed.select(select.toArray(Column[]::new));

    // Each canonical field: its raw string (after value maps), then its typed value.
    List<Column> fields = new ArrayList<>();
    for (String c : List.of("source", "source_file", "landing_date", "line_number", "value", "oversized_line", "read_error", "raw", "column_count", "expected_columns", "properties", "has_control")) {
      fields.add(col("_cdx_" + c));
    }
    for (Map.Entry<String, DataType> f : Canonical.FIELDS.entrySet()) {
      FieldSpec spec = mapping.fields().get(f.getKey());
      Column s = spec == null ? lit(null).cast(DataTypes.StringType) : rawString(spec);
      fields.add(s.as("_s_" + f.getKey()));
    }
    Dataset<Row> strings = withRaw.select(fields.toArray(Column[]::new));

    List<Column> typed = new ArrayList<>();
    for (String c : List.of("source", "source_file", "landing_date", "line_number", "value", "oversized_line", "read_error", "raw", "column_count", "expected_columns", "properties", "has_control")) {
      typed.add(col("_cdx_" + c).as(c));
    }
    for (Map.Entry<String, DataType> f : Canonical.FIELDS.entrySet()) {
      Column s = col("_s_" + f.getKey());
      Column value;
      if (f.getKey().equals("event_time")) {
        FieldSpec spec = mapping.fields().get("event_time");
        value = timestamp(s, spec.format(), spec.zone());
      } else if (f.getValue().equals(DataTypes.StringType)) {
        value = s;
      } else {
        value = s.try_cast(f.getValue());
      }
      typed.add(s);
      typed.add(value.as(f.getKey()));
    }
    Dataset<Row> canonical = strings.select(typed.toArray(Column[]::new));

    // Validation.
    Column cutoff =
        expr("cast(date_add(landing_date, 1) as timestamp) + make_dt_interval(0, " + limits.maxFutureHours() + ")");
    Column oversizedKeys = map_keys(map_filter(col("raw"), (k, v) -> length(v).gt(limits.maxTextLength())));
    List<Column[]> rules = new ArrayList<>();
    rules.add(rule(col("read_error").isNotNull(), UNREADABLE_FILE, concatOf("cannot read the file: ", col("read_error"))));
    rules.add(rule(col("value").contains("\uFFFD"), BAD_ENCODING, lit("the line is not valid UTF-8")));
    rules.add(rule(col("oversized_line"), OVERSIZED_TEXT, lit("the line is longer than ingest.max-line-bytes and was cut")));
    rules.add(rule(col("raw").isNull(), UNPARSEABLE, lit(mapping.csv() ? "not a CSV record" : "not a JSON object")));
    if (mapping.csv()) {
      rules.add(
          rule(
              col("column_count").notEqual(col("expected_columns")),
              WRONG_COLUMN_COUNT,
              concatOf(col("column_count").cast("string"), lit(" columns, the header has "), col("expected_columns").cast("string"))));
    }
    rules.add(rule(col("has_control"), BAD_ENCODING, lit("a field holds control characters")));
    List<Column> missing = new ArrayList<>();
    for (String r : mapping.required()) {
      missing.add(when(col("_s_" + r).isNull(), lit(r)));
    }
    Column missingList = concat_ws(", ", missing.toArray(Column[]::new));
    rules.add(rule(missingList.notEqual(""), MISSING_REQUIRED_FIELD, concatOf(lit("missing "), missingList)));
    // A decoded field is never longer than its line, so the per-field lambda only runs for long lines;
    // and a line has at least as many bytes as characters, so its characters (a scan of the line)
    // are only counted when its byte length (known) is over the limit.
    rules.add(
        rule(
            octet_length(col("value")).gt(limits.maxTextLength())
                .and(length(col("value")).gt(limits.maxTextLength()))
                .and(size(oversizedKeys).gt(0)),
            OVERSIZED_TEXT,
            concatOf(lit("field "), element_at(oversizedKeys, 1), lit(" is longer than " + limits.maxTextLength() + " characters"))));
    List<Column> wrong = new ArrayList<>();
    for (Map.Entry<String, DataType> f : Canonical.FIELDS.entrySet()) {
      if (!f.getValue().equals(DataTypes.StringType) && !f.getKey().equals("event_time")) {
        wrong.add(
            when(
                col("_s_" + f.getKey()).isNotNull().and(col(f.getKey()).isNull()),
                concatOf(f.getKey() + " is not " + typeName(f.getValue()) + ": '", col("_s_" + f.getKey()), "'")));
      }
    }
    Column wrongText = concat_ws("; ", wrong.toArray(Column[]::new));
    rules.add(rule(wrongText.notEqual(""), WRONG_TYPE, wrongText));
    rules.add(
        rule(
            col("event_time").isNull(),
            BAD_TIMESTAMP,
            concatOf(lit("event_time '"), col("_s_event_time"), lit("' does not parse"
                + (mapping.fields().get("event_time").format() != null ? " as " + mapping.fields().get("event_time").format() : "")))));
    rules.add(
        rule(
            col("event_time").gt(cutoff),
            FUTURE_EVENT,
            concatOf(lit("event_time "), col("event_time").cast("string"), lit(" is after the landing day + " + limits.maxFutureHours() + " h"))));
    rules.add(
        rule(
            col("event_time").lt(expr("timestamp'" + limits.minEventTime().replace("'", "") + "'")),
            TOO_OLD,
            concatOf(lit("event_time "), col("event_time").cast("string"), lit(" is before ingest.min-event-time"))));
    for (SourceMapping.Check check : mapping.checks()) {
      rules.add(rule(coalesce(expr(check.condition()), lit(false)).unary_$bang(), check.reason(), lit("fails check: " + check.condition())));
    }
    // Each condition is evaluated once, up to the first that holds; reason and detail are then
    // picked by its number (conditions with lambdas would not be shared between two CASE chains).
    Column rule = null;
    for (int i = 0; i < rules.size(); i++) {
      Column holds = coalesce(rules.get(i)[0], lit(false));
      rule = rule == null ? when(holds, lit(i)) : rule.when(holds, lit(i));
    }
    canonical = canonical.withColumn("_rule", rule);
    Column reason = lit(null).cast(DataTypes.StringType);
    Column detail = lit(null).cast(DataTypes.StringType);
    for (int i = rules.size() - 1; i >= 0; i--) {
      Column[] r = rules.get(i);
      reason = when(col("_rule").equalTo(i), r[1]).otherwise(reason);
      detail = when(col("_rule").equalTo(i), r[2]).otherwise(detail);
    }
    List<Column> out = new ArrayList<>();
    for (String c : List.of("source", "source_file", "landing_date", "line_number")) {
      out.add(col(c));
    }
    for (String f : Canonical.FIELDS.keySet()) {
      out.add(col(f));
    }
    out.add(to_date(col("event_time")).as("event_date"));
    out.add(col("properties"));
    out.add(xxhash64(coalesce(col("value"), lit(""))).as("record_hash"));
    out.add(reason.as("reason"));
    out.add(detail.as("detail"));
    // Only a rejected record keeps its raw line: valid records (nearly all) would carry a second copy
    // of their content through the run for nothing. A valid record found to be a conflicting duplicate
    // later gets its line from its file again (see quarantine).
    out.add(when(col("_rule").isNotNull(), col("value")).as("raw_text"));
    out.add(col("oversized_line").as("raw_truncated"));
    return canonical.select(out.toArray(Column[]::new));
  }

  /**
   * Decides each record's outcome: quarantined (invalid), duplicate (its {@code (source, event_id)}
   * came earlier in the batch — by landing date, file, line — or is in {@code existing} with the same
   * content), {@code conflicting_duplicate} quarantine (same key, different content), already in
   * bronze (the same line is there, replay only) or accepted. {@code existing}: bronze keys with
   * {@code source, event_id, record_hash, source_file, line_number}; may be null (empty bronze).
   * Output: the input plus {@code outcome}, with {@code reason}/{@code detail} set for conflicts.
   * The same as {@code decide(validated, repeatedKeys(validated, existing))}.
   */
  public static Dataset<Row> dedup(Dataset<Row> validated, Dataset<Row> existing) {
    return decide(validated, repeatedKeys(validated, existing));
  }

  /**
   * The keys that need a decision: {@code (source, event_id)} of valid records that occur more than
   * once in the batch or are already in {@code existing} (see {@link #dedup}). Output, one row per
   * such key: {@code _k_source, _k_id}, the first occurrence in the batch by landing date, file and
   * line ({@code _first_date, _first_file, _first_line, _first_hash}) and the bronze row of the key
   * with the least record hash ({@code _ex_hash, _ex_file, _ex_line}, null when not in bronze).
   * Only narrow key columns are shuffled; the result is usually small enough to broadcast. The same
   * as {@code firstOccurrences(validated, candidateKeys(validated, existing))}.
   */
  public static Dataset<Row> repeatedKeys(Dataset<Row> validated, Dataset<Row> existing) {
    return firstOccurrences(validated, candidateKeys(validated, existing));
  }

  /**
   * The first step of {@link #repeatedKeys}: what may need a decision, by a 64-bit hash of the key
   * ({@code xxhash64(source, event_id)}): one row per hash that more than one valid record has
   * ({@code _c_hash}; the other columns null), and one per key of a valid record that is in {@code
   * existing} ({@code _c_hash}, {@code _ex_source, _ex_id} and {@code _ex}: {@code record_hash,
   * source_file, line_number} of its bronze row with the least record hash). Counting hashes is a
   * hash aggregation of one long per record, where counting the keys themselves would hash and
   * compare two strings per record and shuffle them; a hash shared by different keys only makes
   * {@link #firstOccurrences} look at a few more records, which count by the key itself.
   */
  public static Dataset<Row> candidateKeys(Dataset<Row> validated, Dataset<Row> existing) {
    require(validated, "source", "event_id", "reason");
    Dataset<Row> counted =
        validated
            .filter(col("reason").isNull())
            .groupBy(keyHash(col("source"), col("event_id")).as("_h"))
            .agg(count(lit(1)).as("_n"));
    StructType exType =
        new StructType()
            .add("record_hash", DataTypes.LongType)
            .add("source_file", DataTypes.StringType)
            .add("line_number", DataTypes.LongType);
    Dataset<Row> repeated =
        counted
            .filter(col("_n").gt(1))
            .select(
                col("_h").as("_c_hash"),
                lit(null).cast(DataTypes.StringType).as("_ex_source"),
                lit(null).cast(DataTypes.StringType).as("_ex_id"),
                lit(null).cast(exType).as("_ex"));
    if (existing == null) {
      return repeated;
    }
    require(existing, "source", "event_id", "record_hash", "source_file", "line_number");
    Dataset<Row> inBatch = counted.select(col("_h").as("_b_hash"));
    Dataset<Row> known =
        existing
            .join(inBatch, keyHash(existing.col("source"), existing.col("event_id")).equalTo(inBatch.col("_b_hash")), "left_semi")
            .groupBy(col("source").as("_ex_source"), col("event_id").as("_ex_id"))
            .agg(min(struct(col("record_hash"), col("source_file"), col("line_number"))).as("_ex"));
    return repeated.unionByName(
        known.select(keyHash(col("_ex_source"), col("_ex_id")).as("_c_hash"), col("_ex_source"), col("_ex_id"), col("_ex")));
  }

  /** The 64-bit hash of a key that {@link #candidateKeys} counts by. */
  private static Column keyHash(Column source, Column eventId) {
    return xxhash64(source, eventId);
  }

  /**
   * The second step of {@link #repeatedKeys}: the valid records whose key hash is among the {@link
   * #candidateKeys} (a semi-join, a broadcast one when {@code candidates} is marked so), counted by
   * key with the first of each by landing date, file and line; the keys that occur more than once
   * or are in bronze, as {@link #repeatedKeys} gives them.
   */
  public static Dataset<Row> firstOccurrences(Dataset<Row> validated, Dataset<Row> candidates) {
    require(validated, "source", "event_id", "landing_date", "source_file", "line_number", "record_hash", "reason");
    require(candidates, "_c_hash", "_ex_source", "_ex_id", "_ex");
    Dataset<Row> valid = validated.filter(col("reason").isNull());
    Dataset<Row> firsts =
        valid
            .join(candidates, keyHash(valid.col("source"), valid.col("event_id")).equalTo(candidates.col("_c_hash")), "left_semi")
            .groupBy(col("source").as("_k_source"), col("event_id").as("_k_id"))
            .agg(
                count(lit(1)).as("_k_n"),
                min(struct(col("landing_date"), col("source_file"), col("line_number"), col("record_hash")))
                    .as("_first"));
    Dataset<Row> known = candidates.filter(col("_ex").isNotNull()).select(col("_ex_source"), col("_ex_id"), col("_ex"));
    return firsts
        .join(
            known,
            firsts.col("_k_source").equalTo(known.col("_ex_source")).and(firsts.col("_k_id").equalTo(known.col("_ex_id"))),
            "left_outer")
        .filter(col("_k_n").gt(1).or(col("_ex").isNotNull()))
        .select(
            col("_k_source"),
            col("_k_id"),
            col("_first.landing_date").as("_first_date"),
            col("_first.source_file").as("_first_file"),
            col("_first.line_number").as("_first_line"),
            col("_first.record_hash").as("_first_hash"),
            col("_ex.record_hash").as("_ex_hash"),
            col("_ex.source_file").as("_ex_file"),
            col("_ex.line_number").as("_ex_line"));
  }

  /**
   * The outcome of every record (see {@link #dedup}) given the {@link #repeatedKeys} of the batch.
   * A record whose key is not among them is accepted when valid.
   */
  public static Dataset<Row> decide(Dataset<Row> validated, Dataset<Row> keys) {
    require(validated, "source", "event_id", "landing_date", "source_file", "line_number", "record_hash", "reason");
    require(keys, "_k_source", "_k_id", "_first_date", "_first_file", "_first_line", "_first_hash", "_ex_hash", "_ex_file", "_ex_line");
    Column valid = col("reason").isNull();
    Dataset<Row> joined =
        validated.join(
            keys,
            validated.col("reason").isNull()
                .and(validated.col("source").equalTo(keys.col("_k_source")))
                .and(validated.col("event_id").eqNullSafe(keys.col("_k_id"))),
            "left_outer");
    Column first =
        col("_first_file").isNull()
            .or(
                col("landing_date").equalTo(col("_first_date"))
                    .and(col("source_file").equalTo(col("_first_file")))
                    .and(col("line_number").equalTo(col("_first_line"))));
    Column sameLine = col("_ex_file").equalTo(col("source_file")).and(col("_ex_line").equalTo(col("line_number")));
    Column outcome =
        when(valid.unary_$bang(), lit(QUARANTINED))
            .when(first.unary_$bang().and(col("record_hash").equalTo(col("_first_hash"))), lit(DUPLICATE))
            .when(first.unary_$bang(), lit(QUARANTINED))
            .when(col("_ex_hash").isNull(), lit(ACCEPTED))
            .when(sameLine, lit(ALREADY_IN_BRONZE))
            .when(col("_ex_hash").equalTo(col("record_hash")), lit(DUPLICATE))
            .otherwise(lit(QUARANTINED));
    Column conflict = valid.and(outcome.equalTo(QUARANTINED));
    List<Column> out = new ArrayList<>();
    for (String c : validated.columns()) {
      if (c.equals("reason")) {
        out.add(when(conflict, lit(CONFLICTING_DUPLICATE)).otherwise(col("reason")).as("reason"));
      } else if (c.equals("detail")) {
        out.add(
            when(conflict, concatOf("event id ", col("event_id"), " already seen with different content"))
                .otherwise(col("detail"))
                .as("detail"));
      } else {
        out.add(col(c));
      }
    }
    out.add(outcome.as("outcome"));
    return joined.select(out.toArray(Column[]::new));
  }

  /** Bronze rows of the accepted outcomes (docs/tables.md: bronze.interactions). */
  public static Dataset<Row> bronze(Dataset<Row> outcomes, String ingestRun) {
    require(outcomes, "outcome", "event_date", "properties", "record_hash");
    List<Column> out = new ArrayList<>();
    out.add(col("event_id"));
    out.add(col("event_time"));
    out.add(col("event_date"));
    out.add(col("source"));
    for (String f : Canonical.FIELDS.keySet()) {
      if (!f.equals("event_id") && !f.equals("event_time")) {
        out.add(col(f));
      }
    }
    out.add(col("properties"));
    out.add(col("source_file"));
    out.add(col("line_number"));
    out.add(lit(ingestRun).as("ingest_run"));
    out.add(col("record_hash"));
    out.add(col("landing_date"));
    return outcomes.filter(col("outcome").equalTo(ACCEPTED)).select(out.toArray(Column[]::new));
  }

  /** Quarantine rows (docs/tables-ingest.md: bronze.quarantine), when no record is a conflicting duplicate. */
  public static Dataset<Row> quarantine(Dataset<Row> outcomes, String ingestRun) {
    return quarantine(outcomes, ingestRun, null);
  }

  /**
   * Quarantine rows (docs/tables-ingest.md: bronze.quarantine). A conflicting duplicate passed
   * validation, so the records hold no raw line for it: it is taken from {@code lines} ({@link
   * LandingReader#LINES} of the files with conflicts, read again), and must hash to the record's
   * {@code record_hash}; a line missing or changed since the first read fails the write, naming it.
   */
  public static Dataset<Row> quarantine(Dataset<Row> outcomes, String ingestRun, Dataset<Row> lines) {
    require(outcomes, "outcome", "reason", "detail", "raw_text", "event_id", "record_hash");
    Dataset<Row> q = outcomes.filter(col("outcome").equalTo(QUARANTINED));
    Column raw = col("raw_text");
    if (lines != null) {
      Dataset<Row> l =
          lines.select(col("source_file").as("_l_file"), col("line_number").as("_l_line"), col("value").as("_l_raw"));
      q =
          q.join(
              l,
              q.col("reason").equalTo(CONFLICTING_DUPLICATE)
                  .and(q.col("source_file").equalTo(l.col("_l_file")))
                  .and(q.col("line_number").equalTo(l.col("_l_line"))),
              "left_outer");
      raw =
          when(col("reason").notEqual(CONFLICTING_DUPLICATE), col("raw_text"))
              .when(xxhash64(coalesce(col("_l_raw"), lit(""))).equalTo(col("record_hash")).and(col("_l_raw").isNotNull()), col("_l_raw"))
              .otherwise(
                  org.apache.spark.sql.functions.raise_error(
                      concatOf(
                          "Cannot quarantine line ", col("line_number").cast("string"), " of ", col("source_file"),
                          ": the file no longer holds the line read at the start of this run; landed files must not change,"
                              + " restore it and rerun")));
    }
    return q.select(
        col("source"),
        col("source_file"),
        col("line_number"),
        col("reason"),
        col("detail"),
        col("event_id"),
        raw.as("raw"),
        col("raw_truncated"),
        lit(ingestRun).as("ingest_run"),
        col("landing_date"));
  }

  /** Records per file, outcome and reason: {@code source_file, outcome, reason, n}. */
  public static Dataset<Row> outcomeCounts(Dataset<Row> outcomes) {
    require(outcomes, "source_file", "outcome", "reason");
    return outcomes.groupBy(col("source_file"), col("outcome"), col("reason")).agg(count(lit(1)).as("n"));
  }

  // ---------------------------------------------------------------- helpers

  @SuppressWarnings("unchecked")
  private static void addPath(Map<String, Object> tree, List<String> path, int i, String source) {
    String name = path.get(i);
    if (i == path.size() - 1) {
      Object existing = tree.get(name);
      if (existing instanceof Map) {
        throw CdxException.usage(
            "Cannot use source mapping " + source + ": raw field '" + name + "' is used both as a value and as an object");
      }
      tree.put(name, String.join(".", path));
      return;
    }
    Object child = tree.get(name);
    if (child instanceof String) {
      throw CdxException.usage(
          "Cannot use source mapping " + source + ": raw field '" + name + "' is used both as a value and as an object");
    }
    Map<String, Object> sub = (Map<String, Object>) child;
    if (sub == null) {
      sub = new LinkedHashMap<>();
      tree.put(name, sub);
    }
    addPath(sub, path, i + 1, source);
  }

  /** A raw column: a flat-map lookup, or a struct of its referenced children. */
  @SuppressWarnings("unchecked")
  private static Column rawColumn(String name, Object node) {
    if (node instanceof String path) {
      return element_at(col("_cdx_raw"), lit(path));
    }
    List<Column> fields = new ArrayList<>();
    for (Map.Entry<String, Object> e : ((Map<String, Object>) node).entrySet()) {
      fields.add(rawColumn(e.getKey(), e.getValue()).as(e.getKey()));
    }
    return struct(fields.toArray(Column[]::new));
  }

  /** The string value of a field: its expression, empty as null, then its value map. */
  private static Column rawString(FieldSpec spec) {
    Column s = expr(spec.expression()).cast(DataTypes.StringType);
    s = when(s.notEqual(""), s);
    if (!spec.values().isEmpty() || spec.other() != null) {
      Column mapped = null;
      for (Map.Entry<String, String> v : spec.values().entrySet()) {
        mapped = mapped == null ? when(s.equalTo(v.getKey()), lit(v.getValue())) : mapped.when(s.equalTo(v.getKey()), lit(v.getValue()));
      }
      Column fallback = spec.other() != null ? when(s.isNotNull(), lit(spec.other())) : s;
      s = mapped == null ? fallback : mapped.otherwise(fallback);
    }
    return s;
  }

  /** A UTC timestamp from a raw string in the given format and zone; null when it does not parse. */
  static Column timestamp(Column s, String format, String zone) {
    Column ts;
    if (format == null || format.equals("iso")) {
      ts = s.try_cast(DataTypes.TimestampType);
    } else if (format.equals("epoch-seconds")) {
      Column d = s.try_cast(DataTypes.DoubleType);
      ts = when(abs(d).lt(1e11), timestamp_seconds(d));
    } else if (format.equals("epoch-millis")) {
      Column d = coalesce(s.try_cast(DataTypes.LongType), s.try_cast(DataTypes.DoubleType).try_cast(DataTypes.LongType));
      ts = when(abs(d).lt(1e14), timestamp_millis(d));
    } else if (format.equals("epoch-micros")) {
      Column d = coalesce(s.try_cast(DataTypes.LongType), s.try_cast(DataTypes.DoubleType).try_cast(DataTypes.LongType));
      ts = when(abs(d).lt(1e17), timestamp_micros(d));
    } else {
      ts = try_to_timestamp(s, lit(format));
    }
    if (zone != null && !zone.equals("UTC")) {
      ts = to_utc_timestamp(ts, zone);
    }
    return ts;
  }


  private static Column[] rule(Column condition, String reason, Column detail) {
    return new Column[] {condition, lit(reason), detail};
  }

  private static String typeName(DataType t) {
    return t.equals(DataTypes.DoubleType) ? "a number" : t.equals(DataTypes.IntegerType) ? "an integer" : t.simpleString();
  }




  private static Column concatOf(Object... parts) {
    Column[] cols = new Column[parts.length];
    for (int i = 0; i < parts.length; i++) {
      cols[i] = parts[i] instanceof Column c ? c : lit(parts[i]);
    }
    return concat(cols);
  }







  /** Fails with the missing column named when an input lacks a column a transform needs. */
  static void require(Dataset<Row> df, String... columns) {
    Set<String> have = Set.of(df.columns());
    for (String c : columns) {
      if (!have.contains(c)) {
        throw new IllegalArgumentException("input lacks column '" + c + "'; has " + have);
      }
    }
  }
}
