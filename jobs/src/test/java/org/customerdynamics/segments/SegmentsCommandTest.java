package org.customerdynamics.segments;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import org.customerdynamics.cli.Cdx;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The thin shell and the rule checks: everything that fails before Spark starts. */
class SegmentsCommandTest {
  private static final String CONF = SparkTestBase.projectDir().resolve("conf").toString();

  @TempDir Path dir;

  private record Result(int code, String out, String err) {}

  private static Result run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Cdx.execute(new PrintWriter(out, true), new PrintWriter(err, true), args);
    return new Result(code, out.toString(), err.toString().trim());
  }

  private Result export(String... more) {
    String[] base = {"segments", "export", "--conf-dir", CONF, "--run-date", "2026-02-01", "--out", dir.resolve("out").toString()};
    String[] all = new String[base.length + more.length];
    System.arraycopy(base, 0, all, 0, base.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return run(all);
  }

  @Test
  void helpShowsBothSubcommands() {
    Result r = run("segments", "--help");
    assertThat(r.code()).isZero();
    assertThat(r.out()).contains("Usage: cdx segments").contains("list").contains("export");
    assertThat(run("segments", "export", "--help").out())
        .contains("Usage: cdx segments export").contains("--segment=NAME").contains("--rule=PREDICATE")
        .contains("--format").contains("--overwrite");
  }

  @Test
  void aSubcommandIsRequired() {
    Result r = run("segments");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("cdx segments: a subcommand is required: list or export; see 'cdx segments --help'");
  }

  @Test
  void exportNeedsExactlyOneOfSegmentAndRule() {
    assertThat(export()).isEqualTo(new Result(2, "",
        "cdx segments export: Cannot export: give exactly one of --segment NAME and --rule PREDICATE"));
    assertThat(export("--segment", "untapped", "--rule", "true").err())
        .isEqualTo("cdx segments export: Cannot export: give exactly one of --segment NAME and --rule PREDICATE");
  }

  @Test
  void aBadRuleIsOneClearLine() {
    Result r = export("--rule", "churn_band = = 'high'");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err()).startsWith("cdx segments export: Cannot use rule \"churn_band = = 'high'\": not a Spark SQL predicate: ")
        .contains("Syntax error");
  }

  @Test
  void anUnknownFormatIsRejected() {
    assertThat(export("--segment", "untapped", "--format", "xlsx").err())
        .isEqualTo("cdx segments export: Cannot export: unknown --format 'xlsx'; use csv or parquet");
  }

  @Test
  void anExistingLocalOutputIsRejectedUnlessOverwrite() throws Exception {
    Files.createDirectories(dir.resolve("out"));
    Result r = export("--segment", "untapped");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).isEqualTo("cdx segments export: Cannot export to " + dir.resolve("out")
        + ": it already exists; pass --overwrite to replace it or choose another --out");
  }

  @Test
  void listNeedsARunDate() {
    Result r = run("segments", "list", "--conf-dir", CONF);
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).startsWith("cdx segments list: Cannot parse --run-date: it is missing");
  }

  @Test
  void aSavedSegmentMayNotTakeABuiltInName() {
    Result r = run("segments", "list", "--conf-dir", CONF, "--run-date", "2026-02-01", "--set", "segments.saved.untapped=true");
    assertThat(r.code()).isEqualTo(2);
    assertThat(r.err()).contains("segments.saved.untapped takes the name of a built-in segment");
  }

  @Test
  void membershipInAnArrayColumnReadsAsArrayContains() {
    assertThat(SegmentRule.parse("churn_band = 'high' AND segment = 'segment-3' AND 'web' in channels").sql())
        .isEqualTo("churn_band = 'high' AND segment = 'segment-3' AND array_contains(channels, 'web')");
    assertThat(SegmentRule.parse("'store' NOT IN channels_used OR 'low_rating' in top_reasons").sql())
        .isEqualTo("NOT array_contains(channels_used, 'store') OR array_contains(top_reasons, 'low_rating')");
    // plain Spark SQL is left alone
    assertThat(SegmentRule.parse("churn_band IN ('high', 'medium')").sql()).isEqualTo("churn_band IN ('high', 'medium')");
  }

  @Test
  void subqueriesAreRejected() {
    assertThatThrownBy(() -> SegmentRule.parse("person_id IN (SELECT person_id FROM bronze.interactions)"))
        .isInstanceOf(CdxException.class)
        .hasMessage("Cannot use rule \"person_id IN (SELECT person_id FROM bronze.interactions)\": subqueries are"
            + " not allowed; a rule filters the segment columns only");
    assertThatThrownBy(() -> SegmentRule.parse("EXISTS (SELECT 1)")).hasMessageContaining("subqueries are not allowed");
  }
}
