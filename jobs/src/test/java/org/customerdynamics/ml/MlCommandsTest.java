package org.customerdynamics.ml;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.customerdynamics.cli.Cdx;
import org.junit.jupiter.api.Test;

/** Flag and configuration checks that fail before Spark starts. */
class MlCommandsTest {
  private record Result(int code, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Cdx.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, err.toString().trim());
  }

  private static String conf() {
    return org.customerdynamics.testing.SparkTestBase.projectDir().resolve("conf").toString();
  }

  @Test
  void unknownModelIsRejectedWithTheChoices() {
    Result r = run("train", "--conf-dir", conf(), "--model", "weather", "--run-date", "2026-02-01");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).isEqualTo(
        "cdx train: Cannot train 'weather': unknown model; use one of [churn, loyalty, segments, sentiment]");
  }

  @Test
  void badMlSettingIsNamed() {
    Result r = run("train", "--conf-dir", conf(), "--model", "churn", "--run-date", "2026-02-01", "--set", "ml.churn.snapshots=1");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("ml.churn.snapshots must be >= 2");
  }

  @Test
  void aTruthFolderWithoutTheGeneratorsFilesIsNamed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) {
    Result r = run("train", "--conf-dir", conf(), "--model", "churn", "--run-date", "2026-02-01", "--truth", dir.toString());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).isEqualTo(
        "cdx train: Cannot score against the ground truth: " + dir.resolve("persons.csv") + " does not exist; pass"
            + " --truth pointing at the folder the generator wrote (persons.csv, churners.csv, identifiers.csv)");
  }

  @Test
  void featuresRejectsANonPositiveSnapshotCount() {
    Result r = run("features", "--conf-dir", conf(), "--run-date", "2026-02-01", "--snapshots", "0");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("cdx features: Cannot compute features: --snapshots and --every must be >= 1");
  }

  @Test
  void scoreNeedsARunDate() {
    Result r = run("score", "--conf-dir", conf());
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("--run-date");
  }
}
