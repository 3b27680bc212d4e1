package org.customerdynamics.ingest;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.catalyst.json.JSONOptions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The raw fields of a JSON line as one flat map, parsed with Jackson in one pass: what {@code
 * from_json(line, 'map<string,string>')} gives, with nested objects flattened into {@code
 * parent.child} keys level by level up to a depth. It replaces Spark's {@code from_json} plus
 * higher-order functions (whose lambdas Spark interprets, with a second {@code from_json} per nested
 * value) and gives the same map, key for key and in the same order:
 *
 * <ul>
 *   <li>the line is null when it is not one JSON object (empty, an array, a scalar, a syntax error
 *       anywhere in it); what follows the object is not looked at;
 *   <li>a string value is its text, {@code null} is null, any other value (number, boolean, object,
 *       array) is its JSON text as Jackson copies it ({@code copyCurrentStructure}), as Spark's JSON
 *       reader does for a string-typed field read from text;
 *   <li>per level, a value that starts with {@code {} after leading spaces and parses as an object
 *       is replaced by its fields under {@code key.field} (an empty object disappears); other values
 *       stay; a key that occurs twice keeps its first position and its last value ({@code
 *       spark.sql.mapKeyDedupPolicy=LAST_WIN}, as {@code map_from_entries} under the job's setting).
 * </ul>
 *
 * The parser is Spark's own JSON factory (default JSON options), so the accepted syntax is the same
 * as {@code from_json}'s. {@code IngestTransformsTest} compares both on awkward lines.
 */
final class JsonFields {
  private JsonFields() {}

  /** Spark's JSON factory with default options (single quotes, NaN/Infinity; no comments). */
  private static final class Factory {
    static final JsonFactory INSTANCE =
        new JSONOptions(scala.collection.immutable.Map$.MODULE$.<String, String>empty(), "UTC", "")
            .buildJsonFactory();
  }

  /**
   * What the UDF returns per line: {@code raw}, the flat map (null when the line is null or not a JSON
   * object); {@code properties}, its entries with a value whose key is not in {@code consumed}, in
   * order (null with raw); {@code control}, whether a value holds a C0 control character other than
   * tab, line feed and carriage return ({@link IngestTransforms#CONTROL_CHARS}). The same as {@code
   * map_filter(raw, (k, v) -> v IS NOT NULL AND NOT k IN consumed)} and {@code concat_ws('\n',
   * map_values(raw)) RLIKE CONTROL_CHARS}, whose lambda and set lookup Spark would interpret per entry.
   */
  static final StructType FIELDS =
      new StructType()
          .add("raw", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType))
          .add("properties", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType))
          .add("control", DataTypes.BooleanType, false);

  /** A UDF: line → {@link #FIELDS}. */
  static UDF1<String, Row> udf(int depth, Set<String> consumed) {
    Set<String> keys = Set.copyOf(consumed);
    return line -> {
      Map<String, String> raw = flat(line, depth);
      if (raw == null) {
        return RowFactory.create(null, null, false);
      }
      Map<String, String> properties = new LinkedHashMap<>();
      boolean control = false;
      for (Map.Entry<String, String> e : raw.entrySet()) {
        String v = e.getValue();
        if (v != null) {
          if (!keys.contains(e.getKey())) {
            properties.put(e.getKey(), v);
          }
          control = control || hasControl(v);
        }
      }
      return RowFactory.create(raw, properties, control);
    };
  }

  /** Whether the text holds a character of {@link IngestTransforms#CONTROL_CHARS}. */
  static boolean hasControl(String v) {
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') {
        return true;
      }
    }
    return false;
  }

  /** The flat fields of a line, nested objects flattened {@code depth - 1} levels; null if not an object. */
  static Map<String, String> flat(String line, int depth) {
    if (line == null) {
      return null;
    }
    List<String[]> entries = object(line);
    if (entries == null) {
      return null;
    }
    Map<String, String> map = null;
    for (int level = 1; level < Math.max(depth, 2); level++) {
      if (map != null) {
        entries = new ArrayList<>(map.size());
        for (Map.Entry<String, String> e : map.entrySet()) {
          entries.add(new String[] {e.getKey(), e.getValue()});
        }
      }
      map = new LinkedHashMap<>();
      for (String[] e : entries) {
        String v = e[1];
        List<String[]> nested = v != null && startsObject(v) ? object(v) : null;
        if (nested == null) {
          map.put(e[0], v);
        } else {
          for (String[] n : nested) {
            map.put(e[0] + "." + n[0], n[1]);
          }
        }
      }
    }
    return map;
  }

  /** Whether the text starts with '{' after leading spaces (Spark's ltrim trims spaces only). */
  private static boolean startsObject(String v) {
    int i = 0;
    while (i < v.length() && v.charAt(i) == ' ') {
      i++;
    }
    return i < v.length() && v.charAt(i) == '{';
  }

  /** The fields of one JSON object in order (duplicates kept), or null when the text is not one. */
  static List<String[]> object(String text) {
    JsonFactory factory = Factory.INSTANCE;
    try (JsonParser p = factory.createParser(text)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        return null;
      }
      List<String[]> out = new ArrayList<>();
      Copier copier = null;
      try {
        while (true) {
          JsonToken t = p.nextToken();
          if (t == null || t == JsonToken.END_OBJECT) {
            return out;
          }
          String key = p.currentName();
          JsonToken v = p.nextToken();
          String value;
          if (v == JsonToken.VALUE_STRING) {
            value = p.getText();
          } else if (v == null || v == JsonToken.VALUE_NULL) {
            value = null;
          } else if (v == JsonToken.VALUE_TRUE || v == JsonToken.VALUE_FALSE) {
            value = v == JsonToken.VALUE_TRUE ? "true" : "false";
          } else if (v == JsonToken.VALUE_NUMBER_INT && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
            // What the generator writes for an int or a long (writeNumber): its decimal digits.
            value = Long.toString(p.getLongValue());
          } else {
            copier = copier == null ? new Copier(factory) : copier;
            value = copier.copy(p);
          }
          out.add(new String[] {key, value});
        }
      } finally {
        if (copier != null) {
          copier.close();
        }
      }
    } catch (IOException | RuntimeException e) {
      return null;
    }
  }

  /**
   * Copies values (floats, objects, arrays) as JSON text, as {@code copyCurrentStructure} into a
   * new generator would; one generator per line instead of one per value, with no separator
   * between the root values it writes.
   */
  private static final class Copier {
    private final ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    private final JsonGenerator generator;

    Copier(JsonFactory factory) throws IOException {
      generator = factory.createGenerator(bytes, JsonEncoding.UTF8);
      generator.setRootValueSeparator(null);
    }

    String copy(JsonParser p) throws IOException {
      generator.copyCurrentStructure(p);
      generator.flush();
      String text = bytes.toString(StandardCharsets.UTF_8);
      bytes.reset();
      return text;
    }

    void close() throws IOException {
      generator.close();
    }
  }
}
