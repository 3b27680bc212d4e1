package org.customerdynamics.ingest;

import com.fasterxml.jackson.annotation.JsonCreator;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * How one canonical field is computed from a raw record, as written in a source mapping under {@code
 * fields:}. Either a bare string (a Spark SQL expression over the raw fields) or a map:
 *
 * @param expr Spark SQL expression over the raw fields; nested JSON fields are written {@code
 *     parent.child}; CSV fields are the header's column names
 * @param value a constant instead of an expression (e.g. {@code channel: {value: web}})
 * @param values value map applied to the expression's result (raw value → canonical value); values
 *     not listed are kept as they are, or replaced by {@code other} when given
 * @param other replacement for non-null values missing from {@code values}
 * @param format for timestamps: a Spark datetime pattern ({@code dd/MM/yyyy HH:mm:ss}), or one of
 *     {@code iso}, {@code epoch-seconds}, {@code epoch-millis}, {@code epoch-micros}
 * @param zone for timestamps written without an offset: the zone the wall time is in (default UTC)
 */
public record FieldSpec(
    String expr,
    String value,
    Map<String, String> values,
    String other,
    String format,
    String zone) {
  public FieldSpec {
    values = values == null ? Map.of() : new LinkedHashMap<>(values);
  }

  /** A bare string in YAML is an expression. */
  @JsonCreator(mode = JsonCreator.Mode.DELEGATING)
  public static FieldSpec of(String expr) {
    return new FieldSpec(expr, null, null, null, null, null);
  }

  /** The Spark SQL expression that yields the raw value (a constant becomes a string literal). */
  public String expression() {
    if (value != null) {
      return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'";
    }
    return expr;
  }
}
