package org.customerdynamics.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CdxCliTest {
  @TempDir Path dir;

  record Result(int code, String out, String err) {
    String[] errLines() {
      return err.isBlank() ? new String[0] : err.strip().split("\n");
    }
  }

  static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Cdx.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString());
  }

  private String confDir() {
    return SparkTestBase.projectDir().resolve("conf").toString();
  }

  @Test
  void unknownSubcommandPrintsOneLineAndExitsTwo() {
    Result r = run("frobnicate");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains("'frobnicate'").contains("cdx --help");
  }

  @Test
  void badRunDatePrintsOneLineAndExitsTwo() {
    Result r = run("sql", "--conf-dir", confDir(), "--run-date", "2026-13-45", "SELECT 1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains("Cannot parse --run-date '2026-13-45'").contains("YYYY-MM-DD");
  }

  @Test
  void generateWithNoLinkingDayPrintsOneLineAndWritesNothing() {
    Path out = dir.resolve("gen");
    Result r = run("generate", "--persons", "20", "--days", "3", "--linking-days", "0", "--out", out.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains("Cannot generate: --linking-days must be at least 1");
    assertThat(out).doesNotExist();
  }

  @Test
  void unknownConfigKeyPrintsOneLineNamingTheKey() {
    Result r = run("sql", "--conf-dir", confDir(), "--set", "refine.gap=3", "SELECT 1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains("unknown key 'refine.gap'");
  }

  @Test
  void missingEnvironmentFilePrintsOneLine() {
    Result r = run("sql", "--conf-dir", confDir(), "--env", "staging", "SELECT 1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains("env/staging.yaml does not exist").contains("local, prod");
  }

  @Test
  void missingConfigFolderPrintsOneLine() {
    Result r = run("sql", "--conf-dir", dir.resolve("nowhere").toString(), "--env", "qa", "SELECT 1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains("qa.yaml does not exist");
  }

  @Test
  void invalidYamlPrintsOneLine() throws Exception {
    Files.createDirectories(dir.resolve("env"));
    Files.writeString(dir.resolve("env/bad.yaml"), "lakehouse: [unclosed\n");
    Result r = run("sql", "--conf-dir", dir.toString(), "--env", "bad", "SELECT 1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains("not valid YAML");
  }

  @Test
  void unknownFlagPrintsOneLineAndExitsTwo() {
    Result r = run("sql", "--frobnicate", "SELECT 1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.errLines()).hasSize(1);
    assertThat(r.err()).contains("--frobnicate").contains("cdx sql --help");
  }

  @Test
  void everySubcommandHasHelp() {
    for (String sub :
        new String[] {
          "generate", "ingest", "refine", "identity", "journeys", "social", "features", "train",
          "score", "report", "publish", "segments", "erase", "maintain", "demo", "sql"
        }) {
      Result r = run(sub, "--help");
      assertThat(r.code()).as(sub).isZero();
      assertThat(r.out()).as(sub).contains("Usage: cdx " + sub);
    }
  }

  @Test
  void aDeltaConflictWithAnotherRunIsOneLineSayingToRerunWithoutAStackTrace() {
    // Delta's own exception, wrapped as Spark surfaces it from a job.
    Exception conflict =
        new IllegalStateException(
            "Job aborted",
            new org.apache.spark.sql.delta.ConcurrentAppendException(
                "Files were added to the root of the table by a concurrent update.\nRefer to the docs"));
    assertThat(Cdx.failure("cdx identity", "identity", conflict))
        .isEqualTo(
            "cdx identity: Cannot complete identity: another run committed to the same Delta table first"
                + " (ConcurrentAppendException: Files were added to the root of the table by a concurrent update.);"
                + " each table is at a whole commit, none half-written: rerun identity for the same date (reruns are"
                + " idempotent), after the other run if both write the same dates");
    assertThat(Cdx.failure("cdx identity", "identity", new IllegalStateException("Job aborted", new ArithmeticException("/ by zero"))))
        .isEqualTo("cdx identity: Cannot complete identity: ArithmeticException: / by zero; the stack trace above has the details");
  }
}
