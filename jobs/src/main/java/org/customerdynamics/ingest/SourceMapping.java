package org.customerdynamics.ingest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A source's mapping ({@code conf/sources/<source>.yaml}): how its raw lines become canonical
 * interactions. A new vendor log needs a new file of this shape, not Java code (docs/sources.md).
 *
 * @param source the source name: the landing folder {@code <landing>/<source>/<date>/} and the value
 *     of the {@code source} column
 * @param format {@code jsonl} (one JSON object per line) or {@code csv} (header on the first line)
 * @param files glob of the files to read inside a day folder (default {@code *})
 * @param delimiter CSV field delimiter (default {@code ,})
 * @param required canonical fields that must be present (default {@code event_id, event_time})
 * @param fields canonical field → how to compute it ({@link FieldSpec})
 * @param checks extra validations: each a Spark SQL condition over the canonical fields that must
 *     hold, and the quarantine reason when it does not
 */
public record SourceMapping(
    String source,
    String format,
    String files,
    String delimiter,
    List<String> required,
    Map<String, FieldSpec> fields,
    List<Check> checks) {
  public SourceMapping {
    format = format == null ? "jsonl" : format;
    files = files == null ? "*" : files;
    delimiter = delimiter == null ? "," : delimiter;
    required = List.copyOf(required == null ? List.of("event_id", "event_time") : required);
    fields = fields == null ? Map.of() : new LinkedHashMap<>(fields);
    checks = List.copyOf(checks == null ? List.of() : checks);
  }

  /**
   * One extra validation.
   *
   * @param reason the quarantine reason (lower_snake_case) when the condition is false
   * @param condition Spark SQL boolean over the canonical fields
   */
  public record Check(String reason, String condition) {}

  public boolean csv() {
    return format.equals("csv");
  }
}
