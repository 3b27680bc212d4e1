package org.customerdynamics.erase;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.when;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Identifiers;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.publish.PublishConfig;
import scala.jdk.javaapi.CollectionConverters;

/**
 * The right to erasure: removes one person (or one identifier) from every table of the lakehouse and
 * from the serving database, and records the erasure in {@code gold.erasure_log} without any value
 * that could find the person again. See docs/erasure.md.
 *
 * <p>The subject is resolved before anything is removed: the person's identifiers from {@code
 * silver.identity_map} (ids merged into the person included), their raw values from the bronze rows
 * whose identifiers key to them. Every Delta table under the lakehouse's databases is then planned by
 * {@link ErasureRules} and changed in one MERGE commit (delete the person's rows, blank or scrub the
 * person where they appear in someone else's row); tables the subject does not appear in are not
 * written. The tables that resolve the subject are changed last, so an interrupted erasure can be
 * rerun.
 */
public final class EraseJob {
  public static final String LOG = "gold.erasure_log";

  /** Changed last, in this order: they resolve the subject (a rerun after a failure needs them). */
  static final List<String> LAST =
      List.of("gold.communities", "silver.identity_merges", "bronze.interactions", "silver.identity_map");

  /** Identifier types of {@code --identifier <type>:<value>}, long names and the short prefixes. */
  static final Map<String, String> TYPES =
      Map.ofEntries(
          Map.entry("email", "em"), Map.entry("phone", "ph"), Map.entry("customer", "cu"),
          Map.entry("loyalty", "lo"), Map.entry("device", "de"), Map.entry("cookie", "an"),
          Map.entry("anonymous", "an"), Map.entry("social", "so"), Map.entry("em", "em"),
          Map.entry("ph", "ph"), Map.entry("cu", "cu"), Map.entry("lo", "lo"), Map.entry("de", "de"),
          Map.entry("an", "an"), Map.entry("so", "so"));

  static final StructType LOG_SCHEMA =
      new StructType()
          .add("request_id", DataTypes.StringType, false)
          .add("requested_at", DataTypes.TimestampType, false)
          .add("subject_kind", DataTypes.StringType, false)
          .add("person_hashes", DataTypes.createArrayType(DataTypes.StringType), false)
          .add("identifier_hashes", DataTypes.createArrayType(DataTypes.StringType), false)
          .add("previously_erased", DataTypes.BooleanType, false)
          .add("rows_removed", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType), false)
          .add("rows_changed", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType), false)
          .add("versions", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType), false)
          .add("serving", DataTypes.StringType, false)
          .add("serving_rows_removed", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType), false)
          .add("serving_rows_changed", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType), false);

  /** Who to erase: a person id, or one identifier given by type ({@code em}, {@code ph}, …) and raw value. */
  public record Subject(String personId, String idType, String rawValue) {
    public static Subject person(String personId) {
      return new Subject(personId, null, null);
    }

    /** Parses {@code <type>:<value>}, e.g. {@code email:a@b.com} or {@code phone:+44 7700 900123}. */
    public static Subject identifier(String spec) {
      int colon = spec.indexOf(':');
      String type = colon < 0 ? null : TYPES.get(spec.substring(0, colon).strip().toLowerCase(Locale.ROOT));
      if (type == null || spec.substring(colon + 1).isBlank()) {
        throw CdxException.usage(
            "Cannot erase identifier: expected <type>:<value> with type one of email, phone, customer, loyalty,"
                + " device, cookie, social (e.g. email:ann@example.com)");
      }
      return new Subject(null, type, spec.substring(colon + 1).strip());
    }

    boolean byIdentifier() {
      return idType != null;
    }

    /** For messages: never the raw value. */
    String describe() {
      return byIdentifier() ? "the given " + idType + " identifier" : "person " + personId;
    }
  }

  /** What one erasure did. Maps are keyed by table, in the order the tables were changed. */
  public record Result(
      String requestId,
      boolean previouslyErased,
      Map<String, Long> rowsRemoved,
      Map<String, Long> rowsChanged,
      Map<String, Long> versions,
      String serving,
      Map<String, Long> servingRowsRemoved,
      Map<String, Long> servingRowsChanged) {}

  private final SparkSession spark;
  private final CdxConfig config;
  private final Lakehouse lakehouse;
  private final String secret;

  public EraseJob(SparkSession spark, CdxConfig config) {
    this.spark = spark;
    this.config = config;
    this.lakehouse = new Lakehouse(spark, config);
    this.secret = config.privacy().hashKey();
  }

  /** The subject resolved to what is searched for. */
  record Resolved(
      Set<String> persons,
      Set<String> nodes,
      Set<String> keys,
      Set<String> rawTerms,
      List<Community> communities,
      boolean found) {
    String rawRegex() {
      return rawTerms.isEmpty() ? null : rawTerms.stream().map(Pattern::quote).collect(Collectors.joining("|"));
    }
  }

  /** A community named after an erased person, on one social run date, and its surviving name (null: none). */
  record Community(LocalDate runDate, String oldId, String newId) {}

  public Result run(Subject subject) {
    String country = config.refine().defaultCountryCode();
    Identifiers.register(spark, secret, country);
    String requestId = UUID.randomUUID().toString();
    spark.sparkContext().setJobGroup("erase", "erase " + requestId, false);
    try {
      spark.sparkContext().setJobDescription("erase: resolve the subject");
      Resolved r = resolve(subject, country);
      List<String> personHashes = r.persons().stream().map(p -> Identifiers.erasureHash(secret, p)).sorted().toList();
      List<String> nodeHashes = new ArrayList<>();
      if (subject.byIdentifier()) {
        nodeHashes.add(Identifiers.erasureHash(secret, subject.idType() + ":" + Identifiers.key(secret, subject.idType(), subject.rawValue(), country)));
      }
      boolean previously = previouslyErased(personHashes, nodeHashes);
      if (!r.found() && !previously) {
        throw new CdxException(
            "Cannot erase " + subject.describe() + ": not found in silver.identity_map, bronze or "
                + LOG + "; check the " + (subject.byIdentifier() ? "type and value" : "person id"), null, 2);
      }

      Map<String, Long> removed = new LinkedHashMap<>();
      Map<String, Long> changed = new LinkedHashMap<>();
      Map<String, Long> versions = new LinkedHashMap<>();
      Map<String, Long> servingRemoved = new LinkedHashMap<>();
      Map<String, Long> servingChanged = new LinkedHashMap<>();
      // The serving copy first: while the lakehouse still resolves the subject, a failure here can be rerun.
      String serving = eraseServing(r, servingRemoved, servingChanged);
      for (String table : tables()) {
        eraseTable(table, r, removed, changed, versions);
      }
      writeLog(requestId, subject, personHashes, nodeHashes, previously, removed, changed, versions, serving, servingRemoved, servingChanged);
      return new Result(requestId, previously, removed, changed, versions, serving, servingRemoved, servingChanged);
    } finally {
      spark.sparkContext().clearJobGroup();
    }
  }

  private Resolved resolve(Subject subject, String country) {
    Set<String> persons = new TreeSet<>();
    Set<String> nodes = new TreeSet<>();
    Set<String> rawTerms = new TreeSet<>();
    boolean haveMap = lakehouse.exists("silver.identity_map");
    boolean found = false;
    Dataset<Row> map = haveMap ? lakehouse.read("silver.identity_map") : null;
    if (subject.byIdentifier()) {
      String key = Identifiers.key(secret, subject.idType(), subject.rawValue(), country);
      if (key == null) {
        throw CdxException.usage(
            "Cannot erase identifier: the " + subject.idType() + " value does not normalise to an identifier; check the value");
      }
      String node = subject.idType() + ":" + key;
      nodes.add(node);
      addTerms(rawTerms, subject.idType(), subject.rawValue(), country);
      if (haveMap) {
        for (Row row : map.filter(col("node").equalTo(node)).select("person_id").collectAsList()) {
          found = true;
          if (!row.isNullAt(0)) {
            persons.add(row.getString(0));
          }
        }
      }
    } else {
      persons.add(subject.personId());
    }
    // Ids retired into the person by identity merges are the same person in older snapshots.
    if (!persons.isEmpty() && lakehouse.exists("silver.identity_merges")) {
      Dataset<Row> merges = lakehouse.read("silver.identity_merges").filter(col("kind").equalTo("merge"));
      for (int added = 1; added > 0; ) {
        int before = persons.size();
        for (Row row : merges.filter(col("into_person_id").isin(persons.toArray())).select("person_id").collectAsList()) {
          persons.add(row.getString(0));
        }
        added = persons.size() - before;
      }
    }
    if (haveMap && !persons.isEmpty()) {
      for (Row row : map.filter(col("person_id").isin(persons.toArray())).select("node").collectAsList()) {
        nodes.add(row.getString(0));
        found = true;
      }
    }
    if (!found && !subject.byIdentifier() && lakehouse.exists("silver.interactions")) {
      found = !lakehouse.read("silver.interactions").filter(col("person_id").equalTo(subject.personId())).isEmpty();
    }
    Set<String> keys = nodes.stream().map(n -> n.substring(n.indexOf(':') + 1)).collect(Collectors.toCollection(TreeSet::new));
    if (!keys.isEmpty() && lakehouse.exists("bronze.interactions")) {
      Dataset<Row> bronze = lakehouse.read("bronze.interactions");
      Map<String, String> raw = new TreeMap<>(ErasureRules.RAW);
      raw.putAll(ErasureRules.RAW_COUNTERPART);
      List<Column> values = new ArrayList<>();
      for (Map.Entry<String, String> e : raw.entrySet()) {
        if (List.of(bronze.columns()).contains(e.getKey())) {
          Column v = col(e.getKey());
          values.add(
              org.apache.spark.sql.functions.struct(
                  lit(e.getValue()).as("type"),
                  when(Identifiers.keyColumn(e.getValue(), v).isin(keys.toArray()), v).as("value")));
        }
      }
      for (Row row :
          bronze.select(org.apache.spark.sql.functions.explode(org.apache.spark.sql.functions.array(values.toArray(Column[]::new))).as("x"))
              .select("x.type", "x.value").where(col("value").isNotNull()).distinct().collectAsList()) {
        addTerms(rawTerms, row.getString(0), row.getString(1), country);
        found = true;
      }
    }
    if (!found && subject.byIdentifier() && !rawTerms.isEmpty() && lakehouse.exists("bronze.quarantine")) {
      String regex = rawTerms.stream().map(Pattern::quote).collect(Collectors.joining("|"));
      found = !lakehouse.read("bronze.quarantine").filter(expr("lower(raw)").rlike(regex)).isEmpty();
    }
    return new Resolved(persons, nodes, keys, rawTerms, communities(persons), found);
  }

  /** The landed value and its normalised form, lower-cased; short values are left out (they would match anything). */
  private static void addTerms(Set<String> terms, String type, String raw, String country) {
    String v = raw.strip().toLowerCase(Locale.ROOT);
    if (v.length() >= 6) {
      terms.add(v);
    }
    String n = Identifiers.normalise(type, raw, country);
    if (n != null && n.length() >= 6) {
      terms.add(n.toLowerCase(Locale.ROOT));
    }
  }

  private List<Community> communities(Set<String> persons) {
    List<Community> out = new ArrayList<>();
    if (persons.isEmpty() || !lakehouse.exists("gold.communities")) {
      return out;
    }
    Object[] ids = persons.toArray();
    Dataset<Row> named = lakehouse.read("gold.communities").filter(col("community_id").isin(ids));
    for (Row row :
        named.groupBy("run_date", "community_id")
            .agg(min(when(col("person_id").isin(ids).unary_$bang(), col("person_id"))).as("next"))
            .collectAsList()) {
      out.add(new Community(row.getDate(0).toLocalDate(), row.getString(1), row.getString(2)));
    }
    return out;
  }

  /** The surviving name of a community named after an erased person, on the latest social run up to {@code date}. */
  static String renamed(List<Community> communities, String oldId, LocalDate date) {
    return communities.stream()
        .filter(c -> c.oldId().equals(oldId) && (date == null || !c.runDate().isAfter(date)))
        .max(Comparator.comparing(Community::runDate))
        .map(Community::newId)
        .orElse(null);
  }

  private boolean previouslyErased(List<String> personHashes, List<String> nodeHashes) {
    if (!lakehouse.exists(LOG)) {
      return false;
    }
    Column any = lit(false);
    for (String h : personHashes) {
      any = any.or(org.apache.spark.sql.functions.array_contains(col("person_hashes"), h));
    }
    for (String h : nodeHashes) {
      any = any.or(org.apache.spark.sql.functions.array_contains(col("identifier_hashes"), h));
    }
    return !lakehouse.read(LOG).filter(any).isEmpty();
  }

  /** Every Delta table under the lakehouse's databases (storage is the truth, as for the jobs), the resolving ones last. */
  List<String> tables() {
    List<String> found = new ArrayList<>();
    for (String db : Lakehouse.DATABASES) {
      found.addAll(lakehouse.tables(db));
    }
    found.remove(LOG);
    found.sort(Comparator.comparing((String t) -> LAST.indexOf(t)).thenComparing(t -> t));
    return found;
  }

  private void eraseTable(
      String table, Resolved r, Map<String, Long> removed, Map<String, Long> changed, Map<String, Long> versions) {
    Dataset<Row> data = lakehouse.read(table);
    ErasureRules.Plan plan = ErasureRules.plan(table, data.schema());
    if (plan.touchesNothing()) {
      return;
    }
    spark.sparkContext().setJobDescription("erase: " + table);
    Dataset<Row> e = request(r, data, plan);
    // A table the person is not in gets no commit (a second erasure changes no version).
    if (data.as("t").crossJoin(e.as("e")).filter(expr(plan.matchWhen())).isEmpty()) {
      removed.put(table, 0L);
      changed.put(table, 0L);
      // An erasure interrupted after this table's MERGE left the person's rows marked removed only.
      purgeDeletionVectors(table);
      return;
    }
    // One commit per table. The request is a one-row source, so the commit's recorded condition names
    // its columns (e.persons, e.keys), never the erased values.
    var merge = lakehouse.delta(table).as("t").merge(e.as("e"), plan.matchWhen());
    if (plan.deleteWhen() != null && plan.updates().isEmpty()) {
      merge = merge.whenMatched().delete();
    } else if (plan.deleteWhen() != null) {
      merge = merge.whenMatched(plan.deleteWhen()).delete().whenMatched().updateExpr(plan.updates());
    } else {
      merge = merge.whenMatched().updateExpr(plan.updates());
    }
    merge.execute();
    // The counts are the MERGE commit's own metrics (a matched row is deleted, or else updated).
    Row commit = lakehouse.delta(table).history(1).select("version", "operationMetrics").head();
    long version = commit.getLong(0);
    Map<String, String> metrics = commit.getJavaMap(1);
    long rowsRemoved = Long.parseLong(metrics.getOrDefault("numTargetRowsDeleted", "0"));
    long rowsChanged = Long.parseLong(metrics.getOrDefault("numTargetRowsUpdated", "0"));
    removed.put(table, rowsRemoved);
    changed.put(table, rowsChanged);
    versions.put(table, version);
    System.out.printf("erase: %s %,d rows removed, %,d changed (version %d)%n", table, rowsRemoved, rowsChanged, version);
    purgeDeletionVectors(table);
  }

  /**
   * On a table with deletion vectors, a MERGE only marks the rows it deletes or updates as removed:
   * they stay in live files, as do the earlier versions of rows that refine and identity updated. A
   * purge rewrites every file with a deletion vector without its removed rows, so that the person's
   * rows are only in files no current version refers to, which VACUUM deletes. Also run when the
   * person is not (or no longer) in the table: a rerun after an interrupted erasure purges what the
   * first run's MERGE marked. A table without marked rows gets no commit.
   */
  private void purgeDeletionVectors(String table) {
    Map<String, String> properties =
        lakehouse.delta(table).detail().select("properties").head().getJavaMap(0);
    if (!"true".equalsIgnoreCase(properties.getOrDefault("delta.enableDeletionVectors", "false"))) {
      return;
    }
    boolean marked =
        !org.apache.spark.sql.delta.DeltaLog.forTable(spark, lakehouse.path(table))
            .unsafeVolatileSnapshot()
            .allFiles()
            .filter("deletionVector IS NOT NULL")
            .isEmpty();
    if (!marked) {
      return;
    }
    spark.sparkContext().setJobDescription("erase: purge deletion vectors of " + table);
    spark.sql("REORG TABLE delta.`" + lakehouse.path(table) + "` APPLY (PURGE)");
    System.out.printf("erase: %s deletion vectors purged (version %d)%n", table, lakehouse.version(table));
  }

  /** The one-row request the plan's expressions read as {@code e}. */
  private Dataset<Row> request(Resolved r, Dataset<Row> data, ErasureRules.Plan plan) {
    Map<String, String> communities = new TreeMap<>();
    if (plan.personalColumns().contains(ErasureRules.COMMUNITY) && !r.persons().isEmpty()) {
      String dateColumn = ErasureRules.dateColumn(data.schema());
      Column date = dateColumn == null ? lit(null).cast("date") : col(dateColumn).cast("date");
      for (Row row :
          data.filter(col(ErasureRules.COMMUNITY).isin(r.persons().toArray()))
              .select(col(ErasureRules.COMMUNITY), date.as("d"))
              .distinct()
              .collectAsList()) {
        LocalDate d = row.isNullAt(1) ? null : row.getDate(1).toLocalDate();
        String next = renamed(r.communities(), row.getString(0), d);
        if (next != null) {
          communities.put(row.getString(0) + "|" + (d == null ? "" : d.toString()), next);
        }
      }
    }
    StructType schema =
        new StructType()
            .add("persons", DataTypes.createArrayType(DataTypes.StringType))
            .add("nodes", DataTypes.createArrayType(DataTypes.StringType))
            .add("keys", DataTypes.createArrayType(DataTypes.StringType))
            .add("raw_regex", DataTypes.StringType)
            .add("raw_regex_ci", DataTypes.StringType)
            .add("communities", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType));
    String regex = r.rawRegex();
    Row row =
        RowFactory.create(
            seq(r.persons()), seq(r.nodes()), seq(r.keys()), regex, regex == null ? null : "(?i)(" + regex + ")",
            CollectionConverters.asScala(communities));
    return spark.createDataFrame(List.of(row), schema);
  }

  private static scala.collection.immutable.Seq<String> seq(Set<String> values) {
    return CollectionConverters.asScala(new ArrayList<>(values)).toList();
  }

  private String eraseServing(Resolved r, Map<String, Long> removed, Map<String, Long> changed) {
    PublishConfig pc = config.publish();
    String password = System.getenv(pc.passwordEnv());
    if (password == null || password.isEmpty()) {
      String msg = "not configured: " + pc.passwordEnv() + " is not set";
      System.out.println("erase: serving database " + msg + "; nothing removed there (run erase again with it set)");
      return msg;
    }
    Properties props = new Properties();
    props.setProperty("user", pc.user());
    props.setProperty("password", password);
    try (Connection c = DriverManager.getConnection(pc.jdbcUrl(), props)) {
      new ServingEraser(c, pc.schema()).erase(r, removed, changed);
    } catch (SQLException e) {
      throw new CdxException(
          "Cannot erase from the serving database " + pc.jdbcUrl() + ": " + e.getMessage().split("\n")[0]
              + "; nothing was removed there or in the lakehouse, rerun when it is reachable", e);
    }
    return "erased in " + pc.schema();
  }

  private void writeLog(
      String requestId, Subject subject, List<String> personHashes, List<String> nodeHashes, boolean previously,
      Map<String, Long> removed, Map<String, Long> changed, Map<String, Long> versions, String serving,
      Map<String, Long> servingRemoved, Map<String, Long> servingChanged) {
    Row row =
        RowFactory.create(
            requestId,
            java.sql.Timestamp.from(Instant.now()), // recorded only; it selects nothing
            subject.byIdentifier() ? "identifier:" + subject.idType() : "person",
            seq(new LinkedHashSet<>(personHashes)),
            seq(new LinkedHashSet<>(nodeHashes)),
            previously,
            CollectionConverters.asScala(removed),
            CollectionConverters.asScala(changed),
            CollectionConverters.asScala(versions),
            serving,
            CollectionConverters.asScala(servingRemoved),
            CollectionConverters.asScala(servingChanged));
    lakehouse.append(spark.createDataFrame(List.of(row), LOG_SCHEMA), LOG);
    long total = removed.values().stream().mapToLong(Long::longValue).sum();
    long totalChanged = changed.values().stream().mapToLong(Long::longValue).sum();
    System.out.printf(
        "erase %s: %,d rows removed and %,d changed in %d tables%s; serving database: %s; recorded in %s%n",
        requestId, total, totalChanged, versions.size(), previously ? " (erased before)" : "", serving, LOG);
  }

  /** Deletes the subject from the published copies of the reporting tables, in one transaction. */
  static final class ServingEraser {
    private final Connection c;
    private final String schema;

    ServingEraser(Connection c, String schema) {
      this.c = c;
      this.schema = schema;
    }

    void erase(Resolved r, Map<String, Long> removed, Map<String, Long> changed) throws SQLException {
      Map<String, Map<String, String>> tables = new TreeMap<>();
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT table_name, column_name, data_type FROM information_schema.columns WHERE table_schema = ?"
                  + " ORDER BY table_name, ordinal_position")) {
        ps.setString(1, schema);
        ResultSet rs = ps.executeQuery();
        while (rs.next()) {
          if (!rs.getString(1).endsWith("__staging")) {
            tables.computeIfAbsent(rs.getString(1), k -> new LinkedHashMap<>()).put(rs.getString(2), rs.getString(3));
          }
        }
      }
      boolean auto = c.getAutoCommit();
      c.setAutoCommit(false);
      try {
        for (var t : tables.entrySet()) {
          eraseTable(t.getKey(), t.getValue(), r, removed, changed);
        }
        c.commit();
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        throw e;
      } finally {
        c.setAutoCommit(auto);
      }
    }

    private void eraseTable(
        String table, Map<String, String> columns, Resolved r, Map<String, Long> removed, Map<String, Long> changed)
        throws SQLException {
      String q = schema + "." + table;
      List<String> deletes = new ArrayList<>();
      long rowsChanged = 0;
      for (var col : columns.entrySet()) {
        String name = col.getKey();
        boolean text = col.getValue().equals("text") || col.getValue().startsWith("character");
        if (text && (ErasureRules.PERSON.contains(name) || ErasureRules.NODE.contains(name))) {
          deletes.add(name);
        } else if (text && ErasureRules.KEY.contains(name)) {
          deletes.add(name);
        } else if (ErasureRules.PERSON_ARRAY.contains(name) && col.getValue().equals("ARRAY")) {
          for (String p : r.persons()) {
            try (PreparedStatement ps = c.prepareStatement("UPDATE " + q + " SET " + name + " = array_remove(" + name + ", ?) WHERE ? = ANY(" + name + ")")) {
              ps.setString(1, p);
              ps.setString(2, p);
              rowsChanged += ps.executeUpdate();
            }
          }
        } else if (text && name.equals(ErasureRules.COMMUNITY)) {
          rowsChanged += renameCommunities(q, columns.containsKey("report_date"), r, removed);
        } else if (ErasureRules.DERIVED.contains(name) || ErasureRules.NOT_PERSONAL.contains(name)) {
          continue;
        } else if ((text || col.getValue().equals("ARRAY")) && ErasureRules.LOOKS_PERSONAL.matcher(name).matches()) {
          throw new CdxException(
              "Cannot erase from the serving table " + q + ": column " + name + " looks personal and no erasure rule"
                  + " covers it; add a rule to ErasureRules and EraseJob.ServingEraser");
        }
      }
      long rowsRemoved = removed.getOrDefault("serving:" + q, 0L);
      removed.remove("serving:" + q);
      if (!deletes.isEmpty() && !(r.persons().isEmpty() && r.nodes().isEmpty())) {
        String where = deletes.stream().map(d -> d + " = ANY(?)").collect(Collectors.joining(" OR "));
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM " + q + " WHERE " + where)) {
          int i = 1;
          for (String d : deletes) {
            Set<String> values = ErasureRules.PERSON.contains(d) ? r.persons() : ErasureRules.NODE.contains(d) ? r.nodes() : r.keys();
            ps.setArray(i++, c.createArrayOf("text", values.toArray()));
          }
          rowsRemoved += ps.executeUpdate();
        }
      }
      removed.put(q, rowsRemoved);
      changed.put(q, rowsChanged);
    }

    /** Renames communities named after an erased person; drops the rows of one with no member left. */
    private long renameCommunities(String q, boolean dated, Resolved r, Map<String, Long> removed) throws SQLException {
      if (r.persons().isEmpty()) {
        return 0;
      }
      List<Object[]> found = new ArrayList<>();
      try (PreparedStatement ps =
          c.prepareStatement("SELECT DISTINCT community_id, " + (dated ? "report_date" : "NULL::date") + " FROM " + q + " WHERE community_id = ANY(?)")) {
        ps.setArray(1, c.createArrayOf("text", r.persons().toArray()));
        ResultSet rs = ps.executeQuery();
        while (rs.next()) {
          found.add(new Object[] {rs.getString(1), rs.getDate(2)});
        }
      }
      long rowsChanged = 0;
      long rowsRemoved = 0;
      for (Object[] f : found) {
        java.sql.Date d = (java.sql.Date) f[1];
        String next = renamed(r.communities(), (String) f[0], d == null ? null : d.toLocalDate());
        String where = " WHERE community_id = ?" + (d == null ? "" : " AND report_date = ?");
        try (PreparedStatement ps =
            c.prepareStatement(next == null ? "DELETE FROM " + q + where : "UPDATE " + q + " SET community_id = ?" + where)) {
          int i = 1;
          if (next != null) {
            ps.setString(i++, next);
          }
          ps.setString(i++, (String) f[0]);
          if (d != null) {
            ps.setDate(i, d);
          }
          long n = ps.executeUpdate();
          if (next == null) {
            rowsRemoved += n;
          } else {
            rowsChanged += n;
          }
        }
      }
      removed.merge("serving:" + q, rowsRemoved, Long::sum);
      return rowsChanged;
    }
  }
}
