package org.customerdynamics.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.customerdynamics.bench.BenchReport.Goal;
import org.customerdynamics.bench.BenchReport.Row;
import org.customerdynamics.demo.DemoSteps;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;

/** The benchmark's report writer and data sizing: pure logic, no Spark. */
class BenchReportTest {
  private static final Goal AT_LEAST_HALF = new Goal(true, 0.5, null);
  private static final Goal AT_MOST_TEN = new Goal(false, 10, null);

  /**
   * The benchmark's daily pipeline is the demo's steps without the weekly training: those must be
   * the daily DAG's stages, in its order (publish, which the benchmark leaves out, included).
   */
  @Test
  void theDailyPipelineIsTheDailyDagsStages() throws IOException {
    String dags = Files.readString(SparkTestBase.projectDir().resolve("airflow/dags/cdx_lib/__init__.py"));
    Matcher m = Pattern.compile("(?m)^DAILY_STAGES = \\[(.*)\\]$").matcher(dags);
    assertThat(m.find()).as("DAILY_STAGES in cdx_lib").isTrue();
    List<String> stages = Arrays.stream(m.group(1).split(",")).map(x -> x.trim().replace("\"", "")).toList();
    List<String> daily =
        DemoSteps.all().stream().map(DemoSteps.Named::name).filter(n -> !DemoSteps.WEEKLY_TRAINING.contains(n)).toList();
    assertThat(daily).isEqualTo(stages);
  }

  @Test
  void personsForAScaleGiveAboutThatManyEventsOverTheDays() {
    assertThat(BenchReport.personsFor(1_000_000, 2.5, 30)).isEqualTo(13_333);
    assertThat(BenchReport.personsFor(100_000, 2.0, 1)).isEqualTo(50_000);
    // Never below the generator's minimum of 10 persons.
    assertThat(BenchReport.personsFor(5, 2.5, 30)).isEqualTo(10);
    assertThatThrownBy(() -> BenchReport.personsFor(1000, 0, 30))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("Cannot size the data");
  }

  @Test
  void repeatedTimingsGiveTheirMedianAndEachPairInTheNote() {
    assertThat(Benchmarks.median(new double[] {9.0, 7.0, 8.0})).isEqualTo(8.0);
    assertThat(Benchmarks.median(new double[] {9.0, 7.0, 8.0, 6.0})).isEqualTo(7.5);
    assertThat(Benchmarks.pairs(new double[] {10.0, 8.0}, new double[] {20.0, 16.5}))
        .isEqualTo(" (medians of 2 runs in turn; bare/ingest s: 10.0/20.0 = 0.50×, 8.0/16.5 = 0.48×)");
    assertThatThrownBy(() -> Benchmarks.Options.parse(new String[] {"--repeat", "0"}))
        .hasMessageContaining("--repeat must be ≥ 1");
  }

  @Test
  void graphsAloneNeedTheirEdgeCountAndTimeEachSideInTurn() {
    assertThatThrownBy(() -> Benchmarks.Options.parse(new String[] {"--only", "graphs"}))
        .hasMessageContaining("--only graphs: it needs --graph-edges");
    assertThatThrownBy(() -> Benchmarks.Options.parse(new String[] {"--only", "graph"}))
        .hasMessageContaining("'ingest', 'daily', 'backfill' or 'graphs', not 'graph'");
    assertThat(Benchmarks.Options.parse(new String[] {"--only", "backfill"}).only()).isEqualTo("backfill");
    Benchmarks.Options o =
        Benchmarks.Options.parse(new String[] {"--only", "graphs", "--graph-edges", "409316", "--repeat", "3"});
    assertThat(o.only()).isEqualTo("graphs");
    assertThat(o.graphEdges()).isEqualTo(409_316L);
    assertThat(Benchmarks.timings(new double[] {30.3, 20.6}, new double[] {18.3, 12.2}, "GraphX/ours"))
        .isEqualTo(" (medians of 2 runs in turn; GraphX/ours s: 30.3/18.3 = 1.66×, 20.6/12.2 = 1.69×)");
  }

  @Test
  void goalsAreMetOrNotOnTheirRatioAndUnmeasuredOnesSaySo() {
    assertThat(new Row(1, "m", 1, "s", 2, 0.5, AT_LEAST_HALF, "").status()).isEqualTo("met");
    assertThat(new Row(1, "m", 1, "s", 2, 0.49, AT_LEAST_HALF, "").status()).isEqualTo("not met");
    assertThat(new Row(1, "m", 1, "s", 2, 10.0, AT_MOST_TEN, "").status()).isEqualTo("met");
    assertThat(new Row(1, "m", 1, "s", 2, 10.01, AT_MOST_TEN, "").status()).isEqualTo("not met");
    assertThat(new Row(1, "m", 1, "s", 0, Double.POSITIVE_INFINITY, AT_MOST_TEN, "").status()).isEqualTo("not measured");
    assertThat(Row.info(1, "m", 3, "s", "").status()).isEmpty();
  }

  @Test
  void tableAndCsvHoldOneLinePerRowWithGoalAndStatus() {
    List<Row> rows =
        List.of(
            new Row(100_000, "ingest", 12_345.678, "events/s", 20_000, 0.617, AT_LEAST_HALF, "a, b | c"),
            Row.info(100_000, "peak heap", 812.5, "MiB", ""),
            new Row(100_000, "whole benchmark", Double.NaN, "", Double.NaN, 1, new Goal(true, 1, "runs to the end"), ""));
    String table = BenchReport.table(rows);
    assertThat(table.lines().toList())
        .containsExactly(
            "| scale (events) | measure | ours | baseline | ratio | goal | status | note |",
            "|---:|---|---:|---:|---:|---|---|---|",
            "| 100,000 | ingest | 12,346 events/s | 20,000 events/s | 0.62× | ≥ 0.5× | met | a, b \\| c |",
            "| 100,000 | peak heap | 812.50 MiB |  |  |  |  |  |",
            "| 100,000 | whole benchmark |  |  |  | runs to the end | met |  |");
    assertThat(BenchReport.csv(rows).lines().toList())
        .containsExactly(
            BenchReport.CSV_HEADER,
            "100000,ingest,12345.6780,events/s,20000,0.6170,≥ 0.5×,met,\"a, b | c\"",
            "100000,peak heap,812.5000,MiB,,,,,",
            "100000,whole benchmark,,,,1,runs to the end,met,");
  }

  @Test
  void rerunReplacesOnlyTheResultsSection() {
    String first = BenchReport.replaceSection("# Benchmarks\n\nHow to run.\n", "old figures\n", "Benchmarks");
    assertThat(first).startsWith("# Benchmarks\n\nHow to run.\n\n" + BenchReport.BEGIN + "\nold figures\n");
    String page = first + "\nA footer.\n";
    String second = BenchReport.replaceSection(page, "new figures\n", "Benchmarks");
    assertThat(second)
        .isEqualTo("# Benchmarks\n\nHow to run.\n\n" + BenchReport.BEGIN + "\nnew figures\n" + BenchReport.END + "\n\nA footer.\n");
    assertThat(BenchReport.replaceSection("", "x", "Benchmarks"))
        .isEqualTo("# Benchmarks\n\n" + BenchReport.BEGIN + "\nx\n" + BenchReport.END + "\n");
  }
}
