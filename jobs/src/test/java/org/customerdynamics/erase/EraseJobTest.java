package org.customerdynamics.erase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.customerdynamics.cli.Cdx;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Identifiers;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.generate.Generator;
import org.customerdynamics.generate.GeneratorOptions;
import org.customerdynamics.identity.IdentityJob;
import org.customerdynamics.ingest.IngestJob;
import org.customerdynamics.journey.JourneyJob;
import org.customerdynamics.ml.FeaturesJob;
import org.customerdynamics.publish.PublishJob;
import org.customerdynamics.refine.RefineJob;
import org.customerdynamics.report.ReportJob;
import org.customerdynamics.social.SocialJob;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The "done when": a lakehouse built by the real jobs on generated data (ingest, refine,
 * identity, journeys, social, features, report, and publish when PostgreSQL is up), one person with
 * an e-mail and a phone erased, and no row of any table of any database — nor of the serving
 * database — holds their person id, their identifier keys or their raw e-mail or phone afterwards;
 * every other row count changes by exactly what erase reports.
 */
class EraseJobTest extends SparkTestBase {
  static final LocalDate FIRST = LocalDate.parse("2026-01-01");
  static final LocalDate LAST = FIRST.plusDays(2);

  @TempDir static Path dir;
  static CdxConfig config;
  static Lakehouse lakehouse;
  static String pgUrl;
  static String schema;
  /** Persons with an e-mail and a phone: one for each erasure test, the most connected first. */
  static List<String> candidates;

  /** The test's serving schema goes with it (the BI role is granted what a publish creates). */
  @AfterAll
  static void dropSchema() throws SQLException {
    if (pgUrl != null && !pgUrl.isBlank() && System.getenv("CDX_PG_PASSWORD") != null) {
      try (Connection c = DriverManager.getConnection(pgUrl, System.getenv("CDX_PG_USER"), System.getenv("CDX_PG_PASSWORD"))) {
        c.createStatement().execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
      }
    }
  }

  @BeforeAll
  static void buildLakehouse() {
    new Generator(new GeneratorOptions(17, 40, 3, 1.0, FIRST, dir, 0.02, 0.02, 0.05)).run();
    pgUrl = System.getenv("CDX_PG_URL");
    boolean pg = pgUrl != null && !pgUrl.isBlank() && System.getenv("CDX_PG_PASSWORD") != null;
    schema = "erase_" + Long.toHexString(System.nanoTime());
    config =
        pg
            ? config(dir, "publish.jdbc-url=" + pgUrl, "publish.schema=" + schema, "publish.user=" + System.getenv("CDX_PG_USER"))
            : config(dir, "publish.password-env=CDX_ERASE_TEST_NO_PASSWORD");
    lakehouse = lakehouse(config);
    new IngestJob(spark(), config).run(FIRST, LAST, List.of());
    new RefineJob(spark(), config).run(FIRST, LAST);
    new IdentityJob(spark(), config, null).run(FIRST, LAST);
    new JourneyJob(spark(), config).run(LAST);
    new SocialJob(spark(), config).run(LAST, Optional.empty());
    new FeaturesJob(spark(), config).run(LAST, 1, 7);
    new ReportJob(spark(), config).run(LAST);
    if (pg) {
      new PublishJob(spark(), config).run(LAST);
    }
    // Persons with both an e-mail and a phone, those naming a community (the hardest case) first.
    candidates = new ArrayList<>();
    spark()
        .sql(
            "SELECT m.person_id, max(CASE WHEN c.community_id IS NOT NULL THEN 1 ELSE 0 END) AS names_community,"
                + " count(DISTINCT m.node) AS nodes"
                + " FROM delta.`" + lakehouse.path("silver.identity_map") + "` m"
                + " LEFT JOIN delta.`" + lakehouse.path("gold.communities") + "` c ON c.community_id = m.person_id"
                + " WHERE m.person_id IS NOT NULL GROUP BY m.person_id"
                + " HAVING count(CASE WHEN m.id_type = 'em' THEN 1 END) > 0 AND count(CASE WHEN m.id_type = 'ph' THEN 1 END) > 0"
                + " ORDER BY names_community DESC, nodes DESC, m.person_id")
        .collectAsList()
        .forEach(r -> candidates.add(r.getString(0)));
    assertThat(candidates).hasSizeGreaterThanOrEqualTo(2);
  }

  @Test
  void erasingAPersonLeavesNoTraceInAnyTableAndASecondErasureIsANoOp() throws Exception {
    String person = candidates.get(0);
    Set<String> traces = traces(person);
    assertThat(traces).as("the person's values").hasSizeGreaterThanOrEqualTo(5);
    assertThat(found(traces)).as("before erasure").isNotEmpty();
    Map<String, Long> before = counts();

    EraseJob.Result result = new EraseJob(spark(), config).run(EraseJob.Subject.person(person));

    assertThat(found(traces)).as("traces left in the lakehouse").isEmpty();
    assertThat(result.previouslyErased()).isFalse();
    assertThat(result.rowsRemoved().get("silver.interactions")).isPositive();
    assertThat(result.rowsRemoved().get("bronze.interactions")).isPositive();
    assertThat(result.rowsRemoved().get("silver.identity_map")).isGreaterThanOrEqualTo(2);
    assertThat(result.rowsRemoved().get("gold.features")).isEqualTo(1);
    Map<String, Long> after = counts();
    for (var e : before.entrySet()) {
      long removed = result.rowsRemoved().getOrDefault(e.getKey(), 0L);
      assertThat(after.get(e.getKey())).as("rows of %s", e.getKey()).isEqualTo(e.getValue() - removed);
    }

    List<String> log = logRows(result.requestId());
    assertThat(log).hasSize(1);
    for (String v : traces) {
      assertThat(log.get(0).toLowerCase(Locale.ROOT)).doesNotContain(v);
    }
    assertThat(log.get(0)).contains(Identifiers.erasureHash(config.privacy().hashKey(), person)).contains("\"subject_kind\":\"person\"");

    if (pgUrl != null && result.serving().startsWith("erased")) {
      assertThat(servingTraces(traces)).as("traces left in the serving database").isEmpty();
      assertThat(result.servingRowsRemoved().get(schema + ".customer_360")).isEqualTo(1);
    } else {
      assertThat(result.serving()).startsWith("not configured");
    }

    EraseJob.Result again = new EraseJob(spark(), config).run(EraseJob.Subject.person(person));
    assertThat(again.previouslyErased()).isTrue();
    assertThat(again.rowsRemoved().values()).allMatch(n -> n == 0);
    assertThat(again.rowsChanged().values()).allMatch(n -> n == 0);
    assertThat(again.versions()).isEmpty();
    assertThat(logRows(again.requestId())).hasSize(1);
    assertThat(counts()).isEqualTo(after);
  }

  @Test
  void erasingByEmailRemovesThePersonAndTheRawValueEverywhere() throws Exception {
    String person = candidates.get(1);
    String email =
        rawValues(person, "em").stream().findFirst().orElseThrow(() -> new AssertionError("no landed e-mail of " + person));
    Set<String> traces = traces(person);

    EraseJob.Result result =
        new EraseJob(spark(), config).run(EraseJob.Subject.identifier("email:" + email.toUpperCase(Locale.ROOT)));

    assertThat(result.rowsRemoved().get("silver.identity_map")).isPositive();
    assertThat(found(traces)).as("traces left in the lakehouse").isEmpty();
    assertThat(logRows(result.requestId()).get(0)).doesNotContain(email).contains("\"subject_kind\":\"identifier:em\"");
  }

  @Test
  void anUnknownIdentifierIsOneClearLineAndErasesNothing() {
    Map<String, Long> before = counts();
    assertThatThrownBy(
            () -> new EraseJob(spark(), config).run(EraseJob.Subject.identifier("email:nobody-at-all@example.invalid")))
        .isInstanceOf(CdxException.class)
        .hasMessage(
            "Cannot erase the given em identifier: not found in silver.identity_map, bronze or gold.erasure_log;"
                + " check the type and value")
        .satisfies(e -> assertThat(((CdxException) e).exitCode()).isEqualTo(2));
    assertThat(counts()).isEqualTo(before);
  }

  @Test
  void theCommandNeedsExactlyOneWellFormedSubject() {
    String conf = projectDir().resolve("conf").toString();
    String[] bad = cli("erase", "--conf-dir", conf, "--identifier", "fax:0123456");
    assertThat(bad[0]).isEqualTo("2");
    assertThat(bad[2].trim().lines()).hasSize(1);
    assertThat(bad[2]).startsWith("cdx erase: Cannot erase identifier: expected <type>:<value>");
    String[] both = cli("erase", "--conf-dir", conf, "--person", "p1", "--identifier", "email:a@b.com");
    assertThat(both[0]).isEqualTo("2");
    assertThat(both[2].trim().lines()).hasSize(1);
    assertThat(cli("erase", "--conf-dir", conf)[0]).isEqualTo("2");
  }

  private static String[] cli(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Cdx.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new String[] {String.valueOf(code), out.toString(), err.toString()};
  }

  /**
   * What must not survive: the person id, every identifier key of theirs (and its node), and every raw
   * e-mail and phone value of theirs as landed and normalised, lower-cased.
   */
  private static Set<String> traces(String person) {
    Set<String> out = new TreeSet<>();
    out.add(person.toLowerCase(Locale.ROOT));
    for (Row r : lakehouse.read("silver.identity_map").filter("person_id = '" + person + "'").collectAsList()) {
      String node = r.getString(r.fieldIndex("node"));
      out.add(node.substring(node.indexOf(':') + 1));
    }
    String country = config.refine().defaultCountryCode();
    for (String type : List.of("em", "ph")) {
      Set<String> raw = rawValues(person, type);
      assertThat(raw).as("landed %s values of %s", type, person).isNotEmpty();
      for (String v : raw) {
        out.add(v.strip().toLowerCase(Locale.ROOT));
        out.add(Identifiers.normalise(type, v, country).toLowerCase(Locale.ROOT));
      }
    }
    return out;
  }

  /** Raw values of one type in bronze whose key is one of the person's identifiers. */
  private static Set<String> rawValues(String person, String type) {
    String secret = config.privacy().hashKey();
    String country = config.refine().defaultCountryCode();
    Set<String> keys = new TreeSet<>();
    for (Row r : lakehouse.read("silver.identity_map").filter("person_id = '" + person + "' AND id_type = '" + type + "'").collectAsList()) {
      String node = r.getString(r.fieldIndex("node"));
      keys.add(node.substring(node.indexOf(':') + 1));
    }
    String column = type.equals("em") ? "email" : "phone";
    Set<String> out = new TreeSet<>();
    for (Row r : lakehouse.read("bronze.interactions").select(column).where(column + " IS NOT NULL").distinct().collectAsList()) {
      if (keys.contains(Identifiers.key(secret, type, r.getString(0), country))) {
        out.add(r.getString(0));
      }
    }
    return out;
  }

  /** Every Delta table of every database folder of the lakehouse. */
  private static List<String> tables() {
    List<String> out = new ArrayList<>();
    for (String db : Lakehouse.DATABASES) {
      Path folder = Path.of(lakehouse.root(), db);
      if (!Files.isDirectory(folder)) {
        continue;
      }
      try (Stream<Path> children = Files.list(folder)) {
        children
            .filter(p -> Files.isDirectory(p.resolve("_delta_log")))
            .map(p -> db + "." + p.getFileName())
            .sorted()
            .forEach(out::add);
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    }
    return out;
  }

  /** {@code table: value} for every trace value found in a row of any table (all columns, as JSON). */
  private static List<String> found(Set<String> traces) {
    List<String> hits = new ArrayList<>();
    List<String> tables = tables();
    assertThat(tables).contains("bronze.quarantine", "silver.identity_map", "gold.features", "gold.social_edges", "reporting.customer_360");
    for (String table : tables) {
      for (String row : lakehouse.read(table).toJSON().collectAsList()) {
        String text = row.toLowerCase(Locale.ROOT);
        for (String v : traces) {
          if (text.contains(v)) {
            hits.add(table + ": " + v);
          }
        }
      }
      // The live files as plain Parquet: rows a deletion vector marks as removed are still in them
      // (silver.interactions has deletion vectors: erase's own MERGE leaves the person's rows there
      // until its purge).
      for (String row : liveFiles(table).toJSON().collectAsList()) {
        String text = row.toLowerCase(Locale.ROOT);
        for (String v : traces) {
          if (text.contains(v)) {
            hits.add(table + " (live files): " + v);
          }
        }
      }
    }
    return hits;
  }

  /** Every row of the table's current data files, deletion vectors ignored. */
  private static Dataset<Row> liveFiles(String table) {
    String[] files = lakehouse.read(table).inputFiles();
    return files.length == 0 ? lakehouse.read(table).limit(0) : spark().read().parquet(files);
  }

  private static Map<String, Long> counts() {
    Map<String, Long> out = new LinkedHashMap<>();
    for (String table : tables()) {
      if (!table.equals(EraseJob.LOG)) {
        out.put(table, lakehouse.read(table).count());
      }
    }
    return out;
  }

  private static List<String> logRows(String requestId) {
    return lakehouse.read(EraseJob.LOG).filter("request_id = '" + requestId + "'").toJSON().collectAsList();
  }

  private static List<String> servingTraces(Set<String> traces) throws SQLException {
    List<String> hits = new ArrayList<>();
    try (Connection c = DriverManager.getConnection(pgUrl, System.getenv("CDX_PG_USER"), System.getenv("CDX_PG_PASSWORD"))) {
      List<String> tables = new ArrayList<>();
      try (PreparedStatement ps = c.prepareStatement("SELECT table_name FROM information_schema.tables WHERE table_schema = ?")) {
        ps.setString(1, schema);
        ResultSet rs = ps.executeQuery();
        while (rs.next()) {
          tables.add(rs.getString(1));
        }
      }
      assertThat(tables).contains("customer_360");
      for (String t : tables) {
        try (PreparedStatement ps = c.prepareStatement("SELECT lower(x::text) FROM " + schema + "." + t + " x")) {
          ResultSet rs = ps.executeQuery();
          while (rs.next()) {
            for (String v : traces) {
              if (rs.getString(1).contains(v)) {
                hits.add(t + ": " + v);
              }
            }
          }
        }
      }
    }
    return hits;
  }
}
