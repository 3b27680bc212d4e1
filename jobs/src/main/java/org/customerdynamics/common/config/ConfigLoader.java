package org.customerdynamics.common.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.exc.InvalidFormatException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.customerdynamics.common.CdxException;

/**
 * Reads {@code <conf-dir>/env/<env>.yaml} into a {@link CdxConfig}, applying {@code --set key=value}
 * overrides, before any Spark work starts.
 *
 * <p>Precedence: {@code --set} &gt; env file &gt; defaults. String values may reference environment
 * variables as {@code ${NAME}} or {@code ${NAME:-default}} (for bucket names and hosts, never for
 * secrets, which the jobs read from the environment themselves). Relative local paths are resolved
 * against the working directory. When the conf folder does not exist on this machine (a cluster
 * driver), the copy bundled in the jar under {@code cdx-conf/} is used.
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .setPropertyNamingStrategy(PropertyNamingStrategies.KEBAB_CASE)
          .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES);
  private static final Pattern ENV_REF = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)(:-([^}]*))?}");

  private ConfigLoader() {}

  /** The YAML mapper used for all configuration (kebab-case keys, unknown keys rejected). */
  public static ObjectMapper mapper() {
    return YAML;
  }

  public static CdxConfig load(String confDir, String env, List<String> overrides) {
    return load(confDir, env, overrides, System.getenv());
  }

  static CdxConfig load(
      String confDir, String env, List<String> overrides, Map<String, String> environment) {
    String dir = confDir != null ? confDir : "conf";
    String name = env != null ? env : "local";
    if (!name.matches("[A-Za-z0-9_-]+")) {
      throw CdxException.usage("Cannot load configuration: bad --env '" + name + "'");
    }
    String relative = "env/" + name + ".yaml";
    ObjectNode tree = readTree(dir, relative);
    for (String override : overrides) {
      applyOverride(tree, override);
    }
    substituteEnv(tree, environment);
    if (!tree.has("conf-dir")) {
      tree.put("conf-dir", dir);
    }
    CdxConfig config;
    try {
      config = YAML.treeToValue(tree, CdxConfig.class);
    } catch (UnrecognizedPropertyException e) {
      throw CdxException.usage(
          "Cannot load configuration "
              + dir
              + "/"
              + relative
              + ": unknown key '"
              + dottedPath(e)
              + "'; check the spelling against docs/configuration.md");
    } catch (InvalidFormatException e) {
      throw CdxException.usage(
          "Cannot load configuration "
              + dir
              + "/"
              + relative
              + ": key '"
              + dottedPath(e)
              + "' has a bad value '"
              + e.getValue()
              + "'");
    } catch (MismatchedInputException e) {
      throw CdxException.usage(
          "Cannot load configuration "
              + dir
              + "/"
              + relative
              + ": key '"
              + dottedPath(e)
              + "' has the wrong type");
    } catch (IOException e) {
      throw CdxException.usage(
          "Cannot load configuration " + dir + "/" + relative + ": " + firstLine(e.getMessage()));
    } catch (IllegalArgumentException e) {
      Throwable root = e;
      while (root.getCause() != null) {
        root = root.getCause();
      }
      throw CdxException.usage(
          "Cannot load configuration " + dir + "/" + relative + ": " + root.getMessage());
    }
    return absolutise(config);
  }

  /** Reads a YAML file under the conf folder, or from the jar's bundled copy when the folder is absent. */
  public static ObjectNode readTree(String confDir, String relative) {
    Path file = Path.of(confDir, relative);
    try {
      JsonNode node;
      if (Files.isRegularFile(file)) {
        node = YAML.readTree(file.toFile());
      } else if (!Files.isDirectory(Path.of(confDir)) && resource(relative) != null) {
        try (InputStream in = resource(relative)) {
          node = YAML.readTree(in);
        }
      } else {
        throw CdxException.usage(
            "Cannot load configuration: " + file + " does not exist; " + available(confDir));
      }
      if (node == null || node.isMissingNode() || node.isNull()) {
        return JsonNodeFactory.instance.objectNode();
      }
      if (!node.isObject()) {
        throw CdxException.usage("Cannot load configuration " + file + ": the top level must be a map");
      }
      return (ObjectNode) node;
    } catch (IOException e) {
      throw CdxException.usage(
          "Cannot load configuration " + file + ": not valid YAML (" + firstLine(e.getMessage()) + ")");
    }
  }

  private static InputStream resource(String relative) {
    return ConfigLoader.class.getClassLoader().getResourceAsStream("cdx-conf/" + relative);
  }

  private static String available(String confDir) {
    Path envDir = Path.of(confDir, "env");
    if (!Files.isDirectory(envDir)) {
      return "pass --conf-dir pointing at the project's conf folder";
    }
    try (var files = Files.list(envDir)) {
      return "available environments: "
          + files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".yaml"))
              .map(n -> n.substring(0, n.length() - 5))
              .sorted()
              .collect(Collectors.joining(", "));
    } catch (IOException e) {
      return "pass --conf-dir pointing at the project's conf folder";
    }
  }

  static void applyOverride(ObjectNode tree, String override) {
    int eq = override.indexOf('=');
    if (eq <= 0) {
      throw CdxException.usage("Cannot apply --set '" + override + "': expected key=value");
    }
    String key = override.substring(0, eq).trim();
    String raw = override.substring(eq + 1);
    String[] parts = key.split("\\.");
    ObjectNode node = tree;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonNode child = node.get(parts[i]);
      if (child == null || !child.isObject()) {
        child = node.putObject(parts[i]);
      }
      node = (ObjectNode) child;
    }
    JsonNode value;
    try {
      value = raw.isEmpty() ? JsonNodeFactory.instance.textNode("") : YAML.readTree(raw);
    } catch (IOException e) {
      value = JsonNodeFactory.instance.textNode(raw);
    }
    if (value == null || value.isMissingNode()) {
      value = JsonNodeFactory.instance.textNode(raw);
    }
    node.set(parts[parts.length - 1], value);
  }

  private static void substituteEnv(ObjectNode node, Map<String, String> environment) {
    var names = node.fieldNames();
    List<String> keys = new java.util.ArrayList<>();
    names.forEachRemaining(keys::add);
    for (String key : keys) {
      JsonNode child = node.get(key);
      if (child.isObject()) {
        substituteEnv((ObjectNode) child, environment);
      } else if (child.isTextual()) {
        node.put(key, expand(child.asText(), key, environment));
      }
    }
  }

  static String expand(String text, String key, Map<String, String> environment) {
    Matcher m = ENV_REF.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String value = environment.get(m.group(1));
      if (value == null || value.isEmpty()) {
        value = m.group(3);
      }
      if (value == null) {
        throw CdxException.usage(
            "Cannot load configuration: key '"
                + key
                + "' refers to environment variable "
                + m.group(1)
                + ", which is not set");
      }
      m.appendReplacement(out, Matcher.quoteReplacement(value));
    }
    m.appendTail(out);
    return out.toString();
  }

  private static String dottedPath(com.fasterxml.jackson.databind.JsonMappingException e) {
    return e.getPath().stream()
        .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
        .collect(Collectors.joining("."));
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private static CdxConfig absolutise(CdxConfig c) {
    return new CdxConfig(
        c.confDir(),
        absolute(c.lakehouse()),
        absolute(c.landing()),
        absolute(c.checkpointDir()),
        absolute(c.modelDir()),
        c.spark(),
        new CatalogConfig(
            c.catalog().type(),
            c.catalog().derbyDir() != null
                ? absolute(c.catalog().derbyDir())
                : (isLocal(c.lakehouse()) ? absolute(c.lakehouse()) + "/_catalog" : null),
            c.catalog().metastoreUris()),
        c.s3(),
        c.privacy(),
        c.ingest(),
        c.refine(),
        c.identity(),
        c.journeys(),
        c.social(),
        c.ml(),
        c.report(),
        c.publish(),
        c.segments(),
        c.maintain());
  }

  static boolean isLocal(String path) {
    return !path.matches("^[a-zA-Z][a-zA-Z0-9+.-]*://.*") || path.startsWith("file://");
  }

  private static String absolute(String path) {
    if (!isLocal(path) || path.startsWith("file://")) {
      return path;
    }
    return Path.of(path).toAbsolutePath().normalize().toString();
  }
}
