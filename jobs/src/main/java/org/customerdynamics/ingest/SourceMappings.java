package org.customerdynamics.ingest;

import com.fasterxml.jackson.databind.JsonMappingException;
import java.io.IOException;
import java.net.JarURLConnection;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.spark.sql.catalyst.analysis.UnresolvedAttribute;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.config.ConfigLoader;
import scala.jdk.javaapi.CollectionConverters;

/**
 * Finds, reads and validates the source mappings under {@code <conf-dir>/sources/} (or the copy
 * bundled in the jar), before Spark starts: a bad mapping fails the run with the file and key named.
 */
public final class SourceMappings {
  private static final Pattern NAME = Pattern.compile("[a-z][a-z0-9_]*");
  private static final Set<String> TIME_UNITS =
      Set.of("iso", "epoch-seconds", "epoch-millis", "epoch-micros");

  private SourceMappings() {}

  /** Every mapping found, by source name; restricted to {@code only} when it is not empty. */
  public static Map<String, SourceMapping> load(String confDir, List<String> only) {
    Set<String> names = discover(confDir);
    Map<String, SourceMapping> out = new LinkedHashMap<>();
    if (only != null && !only.isEmpty()) {
      for (String name : only) {
        if (!names.contains(name)) {
          throw CdxException.usage(
              "Cannot ingest source '"
                  + name
                  + "': no mapping "
                  + confDir
                  + "/sources/"
                  + name
                  + ".yaml; known sources: "
                  + String.join(", ", names));
        }
      }
      names = new TreeSet<>(only);
    }
    for (String name : names) {
      out.put(name, read(confDir, name));
    }
    return out;
  }

  /** Reads and validates one mapping. */
  public static SourceMapping read(String confDir, String name) {
    String file = confDir + "/sources/" + name + ".yaml";
    SourceMapping m;
    try {
      m =
          ConfigLoader.mapper()
              .treeToValue(ConfigLoader.readTree(confDir, "sources/" + name + ".yaml"), SourceMapping.class);
    } catch (JsonMappingException e) {
      String path =
          e.getPath().stream()
              .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
              .collect(Collectors.joining("."));
      throw CdxException.usage(
          "Cannot read source mapping "
              + file
              + ": key '"
              + path
              + "' is unknown or has the wrong type; see docs/sources.md");
    } catch (IOException e) {
      throw CdxException.usage("Cannot read source mapping " + file + ": " + e.getMessage());
    }
    validate(m, file, name);
    return m;
  }

  static void validate(SourceMapping m, String file, String name) {
    String what = "Cannot use source mapping " + file + ": ";
    if (m.source() == null || !m.source().equals(name)) {
      throw CdxException.usage(what + "'source' must be '" + name + "', the file's name");
    }
    if (!NAME.matcher(m.source()).matches()) {
      throw CdxException.usage(what + "'source' must be lower_snake_case");
    }
    if (!m.format().equals("jsonl") && !m.format().equals("csv")) {
      throw CdxException.usage(what + "'format' must be jsonl or csv, not '" + m.format() + "'");
    }
    for (String field : m.fields().keySet()) {
      if (!Canonical.FIELDS.containsKey(field)) {
        throw CdxException.usage(
            what + "fields." + field + " is not a canonical field; use one of " + Canonical.FIELDS.keySet()
                + " (anything else lands in properties by itself)");
      }
    }
    for (String field : List.of("event_id", "event_time")) {
      if (!m.fields().containsKey(field)) {
        throw CdxException.usage(what + "fields." + field + " is missing; every source must map it");
      }
    }
    for (String field : m.required()) {
      if (!m.fields().containsKey(field)) {
        throw CdxException.usage(what + "required field '" + field + "' has no entry under fields");
      }
    }
    for (Map.Entry<String, FieldSpec> e : m.fields().entrySet()) {
      FieldSpec f = e.getValue();
      String key = "fields." + e.getKey();
      if ((f.expr() == null) == (f.value() == null)) {
        throw CdxException.usage(what + key + " needs exactly one of 'expr' or 'value'");
      }
      if (f.format() != null || f.zone() != null) {
        if (!e.getKey().equals("event_time")) {
          throw CdxException.usage(what + key + ": 'format' and 'zone' apply to event_time only");
        }
      }
      if (f.zone() != null) {
        try {
          java.time.ZoneId.of(f.zone());
        } catch (java.time.DateTimeException ex) {
          throw CdxException.usage(what + key + ".zone '" + f.zone() + "' is not a time zone id");
        }
        if (f.format() != null && TIME_UNITS.contains(f.format())) {
          throw CdxException.usage(what + key + ": 'zone' makes no sense with format " + f.format());
        }
      }
      parse(f.expression(), what + key);
    }
    for (int i = 0; i < m.checks().size(); i++) {
      SourceMapping.Check c = m.checks().get(i);
      if (c.reason() == null || !NAME.matcher(c.reason()).matches() || c.condition() == null) {
        throw CdxException.usage(
            what + "checks[" + i + "] needs a lower_snake_case 'reason' and a 'condition'");
      }
      parse(c.condition(), what + "checks[" + i + "]");
    }
  }

  static Expression parse(String sql, String context) {
    try {
      return CatalystSqlParser$.MODULE$.parseExpression(sql);
    } catch (RuntimeException e) {
      String msg = e.getMessage() == null ? e.toString() : e.getMessage().split("\n")[0];
      throw CdxException.usage(context + " is not a Spark SQL expression: " + msg);
    }
  }

  /** The raw field paths an expression refers to, e.g. {@code [ts]}, {@code [page, productId]}. */
  public static List<List<String>> references(String sql) {
    List<List<String>> out = new ArrayList<>();
    collect(parse(sql, "expression"), out);
    return out;
  }

  private static void collect(Expression e, List<List<String>> out) {
    if (e instanceof UnresolvedAttribute a) {
      out.add(List.copyOf(CollectionConverters.asJava(a.nameParts())));
      return;
    }
    for (Expression child : CollectionConverters.asJava(e.children())) {
      collect(child, out);
    }
  }

  /** The raw path when an expression is a bare field reference ({@code ts}, {@code page.url}). */
  public static String bareReference(String sql) {
    Expression e = parse(sql, "expression");
    if (e instanceof UnresolvedAttribute a) {
      return String.join(".", CollectionConverters.asJava(a.nameParts()));
    }
    return null;
  }

  /** Source names with a mapping: {@code <conf-dir>/sources/*.yaml}, or the jar's bundled copy. */
  static Set<String> discover(String confDir) {
    Set<String> names = new TreeSet<>();
    Path dir = Path.of(confDir, "sources");
    if (Files.isDirectory(dir)) {
      try (Stream<Path> files = Files.list(dir)) {
        files
            .map(p -> p.getFileName().toString())
            .filter(n -> n.endsWith(".yaml"))
            .forEach(n -> names.add(n.substring(0, n.length() - 5)));
      } catch (IOException e) {
        throw new CdxException("Cannot list source mappings in " + dir + ": " + e.getMessage());
      }
      return names;
    }
    if (Files.isDirectory(Path.of(confDir))) {
      throw CdxException.usage(
          "Cannot ingest: no folder " + dir + "; add a mapping per source (docs/sources.md)");
    }
    URL url = SourceMappings.class.getClassLoader().getResource("cdx-conf/sources/");
    if (url != null && url.getProtocol().equals("jar")) {
      try {
        var conn = (JarURLConnection) url.openConnection();
        try (var jar = conn.getJarFile()) {
          jar.stream()
              .map(java.util.jar.JarEntry::getName)
              .filter(n -> n.startsWith("cdx-conf/sources/") && n.endsWith(".yaml"))
              .forEach(n -> names.add(n.substring("cdx-conf/sources/".length(), n.length() - 5)));
        }
      } catch (IOException e) {
        throw new CdxException("Cannot list the bundled source mappings: " + e.getMessage());
      }
    } else if (url != null && url.getProtocol().equals("file")) {
      try (Stream<Path> files = Files.list(Path.of(url.getPath()))) {
        files
            .map(p -> p.getFileName().toString())
            .filter(n -> n.endsWith(".yaml"))
            .forEach(n -> names.add(n.substring(0, n.length() - 5)));
      } catch (IOException e) {
        throw new CdxException("Cannot list the bundled source mappings: " + e.getMessage());
      }
    }
    return new LinkedHashSet<>(names);
  }
}
