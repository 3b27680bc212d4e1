package org.customerdynamics.common.config;

import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import java.lang.reflect.RecordComponent;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Renders docs/configuration.md from the config records themselves: every key with its default, so
 * the reference cannot drift from the code (a test compares the file with this rendering).
 * Regenerate with {@code bin/cdx-config-docs > docs/configuration.md}.
 */
public final class ConfigDocs {
  private ConfigDocs() {}

  public static void main(String[] args) {
    System.out.print(render());
  }

  /** The markdown reference of every key. */
  public static String render() {
    Map<String, String> keys = new TreeMap<>();
    collect(CdxConfig.class, ConfigLoader.mapper().convertValue(Map.of(), CdxConfig.class), "", keys);
    StringBuilder sb = new StringBuilder();
    sb.append("# Configuration\n\n")
        .append("Configuration is YAML in `conf/env/<env>.yaml`, selected with `--env` (default `local`),\n")
        .append("read into typed records before Spark starts. Precedence: `--set key=value` > the env file >\n")
        .append("the defaults below (declared next to each key in its record). Unknown keys are rejected with\n")
        .append("their dotted name. String values may use `${VAR}` or `${VAR:-default}` to take hosts and bucket\n")
        .append("names from the environment; secrets never sit here: the jobs read them from the environment\n")
        .append("variables the `*-env` keys name. The meaning of each key is documented on its record\n")
        .append("(`jobs/src/main/java/org/customerdynamics/**/*Config.java`).\n\n")
        .append("This file is generated from the records (`ConfigDocs`); a test fails when it is out of date.\n\n")
        .append("| key | default |\n|---|---|\n");
    for (Map.Entry<String, String> e : keys.entrySet()) {
      sb.append("| `").append(e.getKey()).append("` | ").append(e.getValue()).append(" |\n");
    }
    return sb.toString();
  }

  private static void collect(Class<?> type, Object defaults, String prefix, Map<String, String> out) {
    for (RecordComponent rc : type.getRecordComponents()) {
      String key = prefix + PropertyNamingStrategies.KebabCaseStrategy.INSTANCE.translate(rc.getName());
      Object value;
      try {
        value = rc.getAccessor().invoke(defaults);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException(e);
      }
      if (rc.getType().isRecord()) {
        collect(rc.getType(), value, key + ".", out);
      } else {
        out.put(key, describe(key, value));
      }
    }
  }

  private static String describe(String key, Object value) {
    if (value == null) {
      return "(unset)";
    }
    if (value instanceof Map<?, ?> m && m.isEmpty() || value instanceof List<?> l && l.isEmpty()) {
      return "(empty)";
    }
    String s = value instanceof Map<?, ?> m ? new TreeMap<>(m).toString() : value.toString();
    return "`" + s.replace("|", "\\|") + "`";
  }
}
