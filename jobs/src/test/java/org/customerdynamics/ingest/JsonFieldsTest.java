package org.customerdynamics.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.from_json;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.types.DataTypes;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;

/**
 * {@link JsonFields} gives, line for line, the map that Spark's {@code from_json(value,
 * 'map<string,string>')} plus the flattening by higher-order functions gave before it (the
 * expressions below are that former implementation, kept here as the oracle).
 */
class JsonFieldsTest extends SparkTestBase {
  private static final String FLATTEN =
      "map_from_entries(flatten(transform(map_entries(%s), e -> CASE WHEN startswith(ltrim(e.value), '{')"
          + " THEN coalesce(transform(map_entries(from_json(e.value, 'map<string,string>')),"
          + " x -> named_struct('key', concat(e.key, '.', x.key), 'value', x.value)),"
          + " array(named_struct('key', e.key, 'value', e.value)))"
          + " ELSE array(named_struct('key', e.key, 'value', e.value)) END)))";

  static final List<String> LINES =
      List.of(
          "{\"eventId\":\"e1\",\"ts\":\"2026-01-01T10:00:00+01:00\",\"page\":{\"productId\":\"p1\",\"category\":\"shoes\"},\"order\":{\"total\":12.50,\"currency\":\"EUR\"}}",
          "{\"a\": 1, \"b\": 1.0, \"c\": 1e3, \"d\": -0.000, \"e\": 12345678901234567890123, \"f\": true, \"g\": null, \"h\": [1, \"x\", {\"y\": 2}]}",
          "{\"n\": {\"deep\": {\"deeper\": {\"deepest\": \"x\"}}, \"s\": \" {\\\"in\\\": \\\"string\\\"}\"}}",
          "{\"a\":\"1\",\"a\":\"2\",\"b\":{\"c\":\"3\"},\"b.c\":\"4\",\"b\":{\"d\":\"5\"}}",
          "{\"x.y\":\"1\",\"x\":{\"y\":\"2\"}}",
          "{\"empty\":{},\"arr\":[],\"s\":\"{not json\",\"t\":\"\\t{\\\"a\\\":1}\",\"u\":\"  {\\\"a\\\":\\\"sp\\\"}\"}",
          "{'single': 'quoted', \"nan\": NaN, \"inf\": -Infinity}",
          "{\"uni\": \"caf\\u00e9 \\ud83d\\ude00 \u00fc\", \"esc\": \"a\\nb\\\"c\\\\d\", \"ctl\": \"x\\u0001y\"}",
          "{\"a\":\"1\"} trailing garbage",
          "{\"a\":\"1\"}{\"b\":\"2\"}",
          "{\"a\":\"1\",\"b\":bad}",
          "{\"a\":\"1\"",
          "{\"a\": 01}",
          "{a: \"unquoted\"}",
          "{\"a\": \"1\" /* comment */}",
          "[{\"a\":\"1\"}]",
          "\"just a string\"",
          "42",
          "null",
          "",
          "   ",
          "not json at all",
          "{}",
          "  {\"lead\": \"spaces\"}  ",
          "{\"o\": {\"p\": {\"q\": 1.50, \"r\": {\"s\": [1,2]}}, \"dup\": \"1\", \"dup\": {\"z\": \"2\"}}}",
          "{\"nested\": {\"bad\": \"x\", \"worse\": }}",
          "{\"big\": 1.7976931348623157E309, \"small\": 4.9E-325, \"exp\": 1E+2}",
          "{\"z\": -0, \"i\": 2147483647, \"j\": 2147483648, \"k\": -9223372036854775808, \"l\": 9223372036854775808,"
              + " \"f\": false, \"m\": 3.25, \"o\": {\"p\": -7, \"q\": false}, \"r\": [true, 2]}");

  @Test
  void givesTheSameFlatMapAsFromJsonWithHigherOrderFunctions() {
    spark().conf().set("spark.sql.mapKeyDedupPolicy", "LAST_WIN");
    List<String> lines = new ArrayList<>(LINES);
    lines.add(null);
    Dataset<Row> df = spark().createDataset(lines, Encoders.STRING()).toDF("value").coalesce(1);
    for (int depth = 2; depth <= 4; depth++) {
      Column top = from_json(col("value"), DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType), Map.of("mode", "PERMISSIVE"));
      Dataset<Row> oracle = df.withColumn("_top", top);
      String last = "_top";
      for (int level = 1; level < depth; level++) {
        oracle = oracle.withColumn("_flat" + level, expr(String.format(FLATTEN, last)));
        last = "_flat" + level;
      }
      Column raw = org.apache.spark.sql.functions.when(col("_top").isNotNull(), col(last));
      // Keys and values as arrays: they keep the map's order (a Row's map would not).
      List<Row> rows =
          oracle
              .select(col("value"), org.apache.spark.sql.functions.map_keys(raw), org.apache.spark.sql.functions.map_values(raw))
              .collectAsList();
      assertEquals(lines.size(), rows.size());
      for (Row r : rows) {
        String line = r.getString(0);
        Map<String, String> expected = null;
        if (!r.isNullAt(1)) {
          List<String> keys = r.getList(1);
          List<String> values = r.getList(2);
          expected = new LinkedHashMap<>();
          for (int i = 0; i < keys.size(); i++) {
            expected.put(keys.get(i), values.get(i));
          }
        }
        Map<String, String> actual = JsonFields.flat(line, depth);
        assertEquals(expected, actual, "depth " + depth + ", line: " + line);
        if (expected != null) {
          assertEquals(List.copyOf(expected.keySet()), List.copyOf(actual.keySet()), "key order, depth " + depth + ", line: " + line);
        }
      }
    }
  }

  @Test
  void givesTheSamePropertiesAndControlCheckAsTheMapExpressions() {
    List<String> lines = new ArrayList<>(LINES);
    lines.add(null);
    Object[] consumed = {"a", "eventId", "page.productId", "ctl"};
    Dataset<Row> df =
        spark()
            .createDataset(lines, Encoders.STRING())
            .toDF("value")
            .withColumn(
                "j",
                org.apache.spark.sql.functions.udf(JsonFields.udf(2, java.util.Set.of(consumed).stream().map(String::valueOf).collect(java.util.stream.Collectors.toSet())), JsonFields.FIELDS)
                    .apply(col("value")));
    // The former expressions, over the UDF's own flat map: the oracle.
    Column properties =
        org.apache.spark.sql.functions.map_filter(col("j.raw"), (k, v) -> v.isNotNull().and(k.isin(consumed).unary_$bang()));
    Column control =
        org.apache.spark.sql.functions.concat_ws("\n", org.apache.spark.sql.functions.map_values(col("j.raw")))
            .rlike(IngestTransforms.CONTROL_CHARS);
    List<Row> rows =
        df.select(
                col("value"),
                org.apache.spark.sql.functions.map_keys(col("j.properties")),
                org.apache.spark.sql.functions.map_values(col("j.properties")),
                col("j.control"),
                org.apache.spark.sql.functions.map_keys(properties),
                org.apache.spark.sql.functions.map_values(properties),
                control)
            .collectAsList();
    int withControl = 0;
    for (Row r : rows) {
      assertEquals(r.get(4), r.get(1), "property keys, line: " + r.getString(0));
      assertEquals(r.get(5), r.get(2), "property values, line: " + r.getString(0));
      assertEquals(r.get(6), r.get(3), "control characters, line: " + r.getString(0));
      withControl += r.getBoolean(3) ? 1 : 0;
    }
    assertEquals(1, withControl);
  }

  @Test
  void flattensNestedObjectsAndKeepsNumbersAsWritten() {
    Map<String, String> m = JsonFields.flat(LINES.get(0), 2);
    assertEquals("p1", m.get("page.productId"));
    assertEquals("12.5", m.get("order.total"));
    assertEquals(List.of("eventId", "ts", "page.productId", "page.category", "order.total", "order.currency"), List.copyOf(m.keySet()));
    assertNull(JsonFields.flat("[1,2]", 2));
    assertNull(JsonFields.flat(null, 2));
  }
}
