package org.customerdynamics.faults;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.generate.Generator;
import org.customerdynamics.generate.GeneratorOptions;
import org.customerdynamics.identity.IdentityJob;
import org.customerdynamics.ingest.IngestJob;
import org.customerdynamics.journey.JourneyJob;
import org.customerdynamics.publish.PublishJob;
import org.customerdynamics.refine.RefineJob;
import org.customerdynamics.report.ReportJob;
import org.customerdynamics.testing.JdbcRows;
import org.customerdynamics.testing.Services;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Issue 9's crash rule: the real job runs in a child JVM ({@code Cdx <job> --run-date D}), reaches a
 * fault point between two of its commits (common/FaultPoints), and is killed with SIGKILL. Then every
 * table the job writes is readable and holds either its state before the run or its state after an
 * uninterrupted run (which one, point by point, is asserted), and a rerun of the same date gives the
 * tables of an uninterrupted run on a twin lakehouse. For publish, PostgreSQL shows each table old or
 * new, never a mix, also to a reader blocked on the table while the swap transaction was open.
 *
 * <p>One tiny generated world (20 persons, 2 days) is run through ingest, refine, identity, journeys
 * and report in this JVM once; its stages are copied for each point, and the stage after each job is
 * the uninterrupted twin of that job.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class CrashInjectionTest extends SparkTestBase {
  static final LocalDate D1 = LocalDate.parse("2026-02-02");
  static final LocalDate D2 = D1.plusDays(1);

  static final List<String> INGEST_TABLES = List.of(IngestJob.BRONZE, IngestJob.QUARANTINE, IngestJob.LEDGER);
  static final List<String> IDENTITY_TABLES =
      List.of(IdentityJob.EDGES, IdentityJob.EXCLUDED, IdentityJob.MERGES, IdentityJob.MAP, IdentityJob.INTERACTIONS);
  static final List<String> PUBLISHED = List.of("customer_360", "daily_kpis", "report_runs");

  /** The class's folder (a @TempDir given to @BeforeAll: per-class instance fields are injected too late). */
  private Path dir;

  private Path landing;
  /** Stage A: D1 ingested (before ingest D2). */
  private Path stageIngest;
  /** Stage B: both days ingested and refined, identity of D1 (before identity D2). */
  private Path stageIdentity;
  /** Stage C: identity D2, journeys D2, report D1 (before report D2). */
  private Path stageReport;
  /** Stage D: report D2 too (the lakehouse publish reads). */
  private Path stagePublish;

  private Map<String, List<String>> ingestBefore;
  private Map<String, List<String>> ingestAfter;
  private Map<String, List<String>> identityBefore;
  private Map<String, List<String>> identityAfter;
  private List<String> reportTables;
  private Map<String, List<String>> reportBefore;
  private Map<String, List<String>> reportAfter;

  @BeforeAll
  void buildTheStages(@TempDir Path classDir) {
    dir = classDir;
    new Generator(new GeneratorOptions(7, 20, 2, 1.0, D1, dir.resolve("world"), 0.02, 0.02, 0.05)).run();
    landing = dir.resolve("world").resolve("landing");
    Path work = dir.resolve("chain");
    CdxConfig c = stageConfig(work);
    Lakehouse lh = lakehouse(c);

    new IngestJob(spark(), c).run(D1, D1, List.of());
    stageIngest = copy(work, dir.resolve("stage-ingest"));
    ingestBefore = snapshot(lakehouse(stageConfig(stageIngest)), INGEST_TABLES);
    new IngestJob(spark(), c).run(D2, D2, List.of());
    ingestAfter = snapshot(lh, INGEST_TABLES);

    new RefineJob(spark(), c).run(D1, D2);
    new IdentityJob(spark(), c, null).run(D1);
    stageIdentity = copy(work, dir.resolve("stage-identity"));
    identityBefore = snapshot(lakehouse(stageConfig(stageIdentity)), IDENTITY_TABLES);
    new IdentityJob(spark(), c, null).run(D2);
    identityAfter = snapshot(lh, IDENTITY_TABLES);

    new JourneyJob(spark(), c).run(D2);
    new ReportJob(spark(), c).run(D1);
    stageReport = copy(work, dir.resolve("stage-report"));
    new ReportJob(spark(), c).run(D2);
    stagePublish = work;
    reportTables = tables(work.resolve("lakehouse").resolve("reporting"));
    reportBefore = snapshot(lakehouse(stageConfig(stageReport)), reportTables);
    reportAfter = snapshot(lh, reportTables);

    // The stages differ where the points need them to (else "old or new" would prove nothing).
    for (String t : INGEST_TABLES) {
      assertThat(ingestAfter.get(t)).as(t).isNotEqualTo(ingestBefore.get(t));
    }
    for (String t : List.of(IdentityJob.EDGES, IdentityJob.MAP, IdentityJob.INTERACTIONS)) {
      assertThat(identityAfter.get(t)).as(t).isNotEqualTo(identityBefore.get(t));
    }
    for (String t : PUBLISHED) {
      assertThat(reportTables).contains("reporting." + t);
      assertThat(reportAfter.get("reporting." + t)).as(t).isNotEqualTo(reportBefore.get("reporting." + t));
    }
  }

  // ---------------------------------------------------------------- ingest

  @Test
  void ingestKilledAfterBronzeOrBeforeTheLedgerLeavesOldOrNewTablesAndRerunsToTheSameResult() {
    killAndCheck(
        "ingest.after-bronze", "ingest", stageIngest, INGEST_TABLES, ingestBefore, ingestAfter,
        // The quarantine is written beside the bronze MERGE: the kill may come before or after its commit.
        Map.of(IngestJob.BRONZE, State.NEW, IngestJob.QUARANTINE, State.EITHER, IngestJob.LEDGER, State.OLD),
        c -> new IngestJob(spark(), c).run(D2, D2, List.of()));
    killAndCheck(
        "ingest.before-ledger", "ingest", stageIngest, INGEST_TABLES, ingestBefore, ingestAfter,
        Map.of(IngestJob.BRONZE, State.NEW, IngestJob.QUARANTINE, State.NEW, IngestJob.LEDGER, State.OLD),
        c -> new IngestJob(spark(), c).run(D2, D2, List.of()));
  }

  // ---------------------------------------------------------------- identity

  @Test
  void identityKilledBetweenItsCommitsLeavesOldOrNewTablesAndRerunsToTheSamePersons() {
    killAndCheck(
        "identity.after-merges", "identity", stageIdentity, IDENTITY_TABLES, identityBefore, identityAfter,
        Map.of(
            IdentityJob.EDGES, State.NEW, IdentityJob.EXCLUDED, State.NEW, IdentityJob.MERGES, State.NEW,
            IdentityJob.MAP, State.OLD, IdentityJob.INTERACTIONS, State.OLD),
        c -> new IdentityJob(spark(), c, null).run(D2));
    killAndCheck(
        "identity.before-stamp", "identity", stageIdentity, IDENTITY_TABLES, identityBefore, identityAfter,
        Map.of(
            IdentityJob.EDGES, State.NEW, IdentityJob.EXCLUDED, State.NEW, IdentityJob.MERGES, State.NEW,
            IdentityJob.MAP, State.NEW, IdentityJob.INTERACTIONS, State.OLD),
        c -> new IdentityJob(spark(), c, null).run(D2));
  }

  // ---------------------------------------------------------------- report

  @Test
  void reportKilledAfterItsFirstTableOrBeforeItsRunRowLeavesOldOrNewTablesAndRerunsToTheSameResult() {
    Map<String, State> afterFirst = new LinkedHashMap<>();
    Map<String, State> beforeRuns = new LinkedHashMap<>();
    for (String t : reportTables) {
      afterFirst.put(t, t.equals("reporting.customer_360") ? State.NEW : State.OLD);
      beforeRuns.put(t, t.equals("reporting.report_runs") ? State.OLD : State.NEW);
    }
    killAndCheck(
        "report.after.customer_360", "report", stageReport, reportTables, reportBefore, reportAfter, afterFirst,
        c -> new ReportJob(spark(), c).run(D2));
    killAndCheck(
        "report.before-runs", "report", stageReport, reportTables, reportBefore, reportAfter, beforeRuns,
        c -> new ReportJob(spark(), c).run(D2));
  }

  // ---------------------------------------------------------------- publish

  @Test
  void publishKilledBeforeOrInsideTheSwapTransactionShowsReadersOldOrNewTablesNeverAMix() throws Exception {
    String url = Services.require("CDX_PG_URL");
    Services.require("CDX_PG_PASSWORD");
    String suffix = Long.toHexString(System.nanoTime());
    String twin = "crash_twin_" + suffix;
    List<String> schemas = new ArrayList<>(List.of(twin));
    try {
      new PublishJob(spark(), publishConfig(stagePublish, url, twin)).run(D2);
      Map<String, List<String>> newRows = pgTables(url, twin);

      // Killed after the first table's staging copy: nothing swapped, the staging copy is left over.
      String s1 = "crash_a_" + suffix;
      schemas.add(s1);
      new PublishJob(spark(), publishConfig(stageReport, url, s1)).run(D1);
      Map<String, List<String>> oldRows = pgTables(url, s1);
      for (String t : PUBLISHED) {
        assertThat(oldRows.get(t)).as(t).isNotEqualTo(newRows.get(t));
      }
      Child a = launch("publish.after-staging.customer_360", "publish", stagePublish, dir.resolve("pub-a"), publishSets(url, s1));
      a.kill();
      assertThat(pgTables(url, s1)).isEqualTo(oldRows);
      assertThat(pgNames(url, s1)).contains("customer_360__staging");
      new PublishJob(spark(), publishConfig(stagePublish, url, s1)).run(D2);
      assertThat(pgTables(url, s1)).isEqualTo(newRows);
      assertThat(pgNames(url, s1)).containsExactlyInAnyOrderElementsOf(PUBLISHED);

      // Killed inside the second table's transaction (old table dropped, staging renamed, not
      // committed): the first table is new, the second and third old, and a reader that waited on
      // the second table's lock gets the old rows in full.
      String s2 = "crash_b_" + suffix;
      schemas.add(s2);
      new PublishJob(spark(), publishConfig(stageReport, url, s2)).run(D1);
      assertThat(pgTables(url, s2)).isEqualTo(oldRows);
      Child b = launch("publish.in-transaction.daily_kpis", "publish", stagePublish, dir.resolve("pub-b"), publishSets(url, s2));
      CompletableFuture<List<String>> reader =
          CompletableFuture.supplyAsync(() -> pgRows(url, "SELECT * FROM " + s2 + ".daily_kpis", "120s"));
      awaitLockWait(url, s2 + ".daily_kpis");
      b.kill();
      assertThat(reader.get(120, TimeUnit.SECONDS)).as("a reader blocked on the swap").isEqualTo(oldRows.get("daily_kpis"));
      Map<String, List<String>> after = pgTables(url, s2);
      assertThat(after.get("customer_360")).as("customer_360, committed before the kill").isEqualTo(newRows.get("customer_360"));
      assertThat(after.get("daily_kpis")).as("daily_kpis, killed inside its transaction").isEqualTo(oldRows.get("daily_kpis"));
      assertThat(after.get("report_runs")).as("report_runs, not reached").isEqualTo(oldRows.get("report_runs"));
      new PublishJob(spark(), publishConfig(stagePublish, url, s2)).run(D2);
      assertThat(pgTables(url, s2)).isEqualTo(newRows);
      assertThat(pgNames(url, s2)).containsExactlyInAnyOrderElementsOf(PUBLISHED);
    } finally {
      try (Connection c = writer(url); Statement s = c.createStatement()) {
        for (String schema : schemas) {
          s.execute("DROP SCHEMA IF EXISTS " + schema + " CASCADE");
        }
      }
    }
  }

  // ---------------------------------------------------------------- the kill

  enum State {
    OLD,
    NEW,
    /** Old or new, never a mix: a table written beside another, whose commit may come either side of the kill. */
    EITHER
  }

  interface Rerun {
    void run(CdxConfig config);
  }

  /**
   * Copies the stage, runs the job in a child JVM up to the point and kills it; checks each table is
   * readable and in its expected state; reruns the job here and checks the twin's tables.
   */
  private void killAndCheck(
      String point,
      String job,
      Path stage,
      List<String> tables,
      Map<String, List<String>> before,
      Map<String, List<String>> after,
      Map<String, State> expected,
      Rerun rerun) {
    Path root = dir.resolve(point);
    copy(stage, root);
    Child child = launch(point, job, root, root, List.of());
    child.kill();

    Lakehouse lh = lakehouse(stageConfig(root));
    Map<String, List<String>> crashed = snapshot(lh, tables);
    for (String t : tables) {
      State s = expected.get(t);
      if (s == State.EITHER) {
        assertThat(crashed.get(t))
            .as("%s after a kill at %s (expected its old or its new state)", t, point)
            .isIn(before.get(t), after.get(t));
      } else {
        assertThat(crashed.get(t))
            .as("%s after a kill at %s (expected its %s state)", t, point, s)
            .isEqualTo(s == State.OLD ? before.get(t) : after.get(t));
      }
    }

    rerun.run(stageConfig(root));
    assertThat(snapshot(lh, tables)).as("tables after the rerun that followed a kill at " + point).isEqualTo(after);
  }

  /** A job in a child JVM, blocked at its fault point. */
  record Child(Process process, String point, Path log) {
    void kill() {
      process.destroyForcibly(); // SIGKILL on Linux: no shutdown hooks, no finally blocks
      try {
        assertThat(process.waitFor(60, TimeUnit.SECONDS)).as("the killed child exits").isTrue();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
      assertThat(process.exitValue()).as("exit status of the child killed at " + point).isEqualTo(128 + 9);
    }
  }

  /** Starts {@code Cdx <job> --run-date D2} on the lakehouse under {@code root}; returns once it is blocked at {@code point}. */
  private Child launch(String point, String job, Path lakehouseRoot, Path childDir, List<String> extraSets) {
    try {
      Files.createDirectories(childDir);
      Path marker = childDir.resolve("fault-marker");
      Path log = childDir.resolve("child.log");
      List<String> cmd = new ArrayList<>();
      cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
      cmd.add("-Xmx1g");
      cmd.add("-XX:+UseSerialGC");
      cmd.add("-XX:TieredStopAtLevel=1");
      cmd.add("-XX:ReservedCodeCacheSize=512m");
      for (String arg : ManagementFactory.getRuntimeMXBean().getInputArguments()) {
        if (arg.startsWith("--add-opens") || arg.startsWith("-Djdk.reflect") || arg.startsWith("-Dio.netty")
            || arg.startsWith("-Dspark.")) {
          cmd.add(arg);
        }
      }
      cmd.add("-Dlog4j2.configurationFile=" + projectDir().resolve("conf").resolve("log4j2.properties"));
      // A killed JVM runs no shutdown hook: what Spark, Hive and the native libraries put in the
      // temporary folder stays. This one is the test's, deleted with it.
      Path tmp = Files.createDirectories(childDir.resolve("tmp"));
      cmd.add("-Djava.io.tmpdir=" + tmp);
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add("org.customerdynamics.cli.Cdx");
      cmd.add(job);
      cmd.add("--run-date");
      cmd.add(D2.toString());
      cmd.add("--env");
      cmd.add("local");
      cmd.add("--conf-dir");
      cmd.add(projectDir().resolve("conf").toString());
      List<String> sets = new ArrayList<>(sets(lakehouseRoot));
      sets.add("catalog.derby-dir=" + childDir.resolve("catalog"));
      sets.add("checkpoint-dir=" + childDir.resolve("checkpoints"));
      sets.addAll(extraSets);
      for (String s : sets) {
        cmd.add("--set");
        cmd.add(s);
      }
      ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile());
      pb.environment().put("CDX_FAULT_POINT", point);
      pb.environment().put("CDX_FAULT_MARKER", marker.toString());
      pb.environment().put("CDX_FAULT_MAX_WAIT_SECONDS", "300");
      pb.environment().put("SPARK_LOCAL_IP", "127.0.0.1");
      Process p = pb.start();
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(300);
      while (!Files.exists(marker)) {
        if (!p.isAlive()) {
          throw new AssertionError(
              "the child " + job + " exited with " + p.exitValue() + " before reaching " + point + ":\n" + tail(log));
        }
        if (System.nanoTime() > deadline) {
          p.destroyForcibly();
          throw new AssertionError("the child " + job + " did not reach " + point + " in 300 s:\n" + tail(log));
        }
        Thread.sleep(200);
      }
      assertThat(Files.readString(marker)).startsWith(point + " " + p.pid());
      return new Child(p, point, log);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  private static String tail(Path log) {
    try {
      List<String> lines = Files.readAllLines(log, StandardCharsets.UTF_8);
      return String.join("\n", lines.subList(Math.max(0, lines.size() - 40), lines.size()));
    } catch (IOException e) {
      return "(no log: " + e + ")";
    }
  }

  // ---------------------------------------------------------------- lakehouse helpers

  /** The --set keys of a stage (lakehouse under root, the generated landing zone). */
  private List<String> sets(Path root) {
    return List.of(
        "lakehouse=" + root.resolve("lakehouse"),
        "landing=" + landing,
        "model-dir=" + root.resolve("models"),
        "spark.master=local[2]",
        "spark.shuffle-partitions=2");
  }

  private CdxConfig stageConfig(Path root) {
    return config(root, "landing=" + landing);
  }

  private static Path copy(Path from, Path to) {
    Path src = from.resolve("lakehouse");
    Path dst = to.resolve("lakehouse");
    try (Stream<Path> files = Files.walk(src)) {
      for (Path p : files.toList()) {
        Path target = dst.resolve(src.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(target);
        } else {
          Files.copy(p, target);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return to;
  }

  private static List<String> tables(Path database) {
    List<String> out = new ArrayList<>();
    try (Stream<Path> children = Files.list(database)) {
      children
          .filter(p -> Files.isDirectory(p.resolve("_delta_log")))
          .forEach(p -> out.add(database.getFileName() + "." + p.getFileName()));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.sort(null);
    return out;
  }

  /**
   * Each table as its row count then its rows as sorted JSON (maps included, which set operations
   * cannot compare); null for a table that is not a Delta table (a kill before its first commit).
   * Reading every row is the "readable" check.
   */
  static Map<String, List<String>> snapshot(Lakehouse lakehouse, List<String> tables) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String t : tables) {
      if (!lakehouse.exists(t)) {
        out.put(t, null);
        continue;
      }
      List<String> rows = new ArrayList<>(lakehouse.read(t).toJSON().collectAsList());
      rows.sort(null);
      rows.add(0, rows.size() + " rows");
      out.put(t, rows);
    }
    return out;
  }

  // ---------------------------------------------------------------- PostgreSQL helpers

  private List<String> publishSets(String url, String schema) {
    return List.of(
        "publish.jdbc-url=" + url,
        "publish.schema=" + schema,
        "publish.user=" + System.getenv("CDX_PG_USER"),
        "publish.tables=[" + String.join(",", PUBLISHED) + "]");
  }

  private CdxConfig publishConfig(Path stage, String url, String schema) {
    List<String> s = new ArrayList<>(List.of("landing=" + landing));
    s.addAll(publishSets(url, schema));
    return config(stage, s.toArray(new String[0]));
  }

  private static Connection writer(String url) throws SQLException {
    return DriverManager.getConnection(url, System.getenv("CDX_PG_USER"), System.getenv("CDX_PG_PASSWORD"));
  }

  /** Every published table of the schema: row count, then its rows sorted. */
  private static Map<String, List<String>> pgTables(String url, String schema) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String t : PUBLISHED) {
      out.put(t, pgRows(url, "SELECT * FROM " + schema + "." + t, "60s"));
    }
    return out;
  }

  private static List<String> pgRows(String url, String sql, String timeout) {
    List<String> out;
    try (Connection c = writer(url); Statement s = c.createStatement()) {
      s.execute("SET statement_timeout = '" + timeout + "'");
      out = JdbcRows.of(s, sql);
    } catch (SQLException e) {
      throw new IllegalStateException(sql + ": " + e.getMessage(), e);
    }
    out.sort(null);
    out.add(0, out.size() + " rows");
    return out;
  }

  private static List<String> pgNames(String url, String schema) {
    try (Connection c = writer(url);
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery("SELECT table_name FROM information_schema.tables WHERE table_schema = '" + schema + "'")) {
      List<String> out = new ArrayList<>();
      while (rs.next()) {
        out.add(rs.getString(1));
      }
      return new ArrayList<>(new TreeSet<>(out));
    } catch (SQLException e) {
      throw new IllegalStateException(e);
    }
  }

  /** Waits until a session waits on a lock with a query on {@code table} (the blocked reader). */
  private static void awaitLockWait(String url, String table) throws Exception {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (System.nanoTime() < deadline) {
      try (Connection c = writer(url);
          Statement s = c.createStatement();
          ResultSet rs =
              s.executeQuery(
                  "SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND query LIKE '%"
                      + table + "%' AND pid <> pg_backend_pid()")) {
        rs.next();
        if (rs.getLong(1) > 0) {
          return;
        }
      }
      Thread.sleep(200);
    }
    throw new AssertionError("no reader waited on the lock of " + table + " within 60 s");
  }
}
