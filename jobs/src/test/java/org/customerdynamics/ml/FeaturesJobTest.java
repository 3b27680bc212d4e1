package org.customerdynamics.ml;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.customerdynamics.ml.MlFixtures.ev;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeaturesJobTest extends SparkTestBase {
  static final LocalDate D = LocalDate.parse("2026-01-30");

  private static Row snapshot(Lakehouse lh, LocalDate date, String person) {
    return lh.read(FeaturesJob.TABLE)
        .filter(col("snapshot_date").equalTo(java.sql.Date.valueOf(date)).and(col("person_id").equalTo(person)))
        .head();
  }

  @Test
  void computesRecencyFrequencyMonetaryAndSupportFromHandBuiltRows(@TempDir Path dir) {
    CdxConfig config = config(dir);
    Lakehouse lh = lakehouse(config);
    lh.overwrite(
        MlFixtures.frame(spark(), List.of(
            ev("p1", "2026-01-10", "web", "page_view").category("books"),
            ev("p1", "2026-01-20", "store", "purchase").amount(50).customer("cu1").category("books"),
            ev("p1", "2026-01-28", "call_center", "complaint").customer("cu1").text("awful"),
            ev("p1", "2026-01-29", "web", "review").rating(2).text("slow delivery"),
            ev("p1", "2026-02-05", "web", "purchase").amount(999).customer("cu1"),
            ev("p2", "2026-01-30", "email", "email_click"))),
        FeaturesJob.INTERACTIONS, "event_date");

    new FeaturesJob(spark(), config).run(D, 1, 7);

    Row p1 = snapshot(lh, D, "p1");
    assertThat((double) p1.getAs("recency_days")).isEqualTo(1.0);
    assertThat((double) p1.getAs("tenure_days")).isEqualTo(20.0);
    assertThat((double) p1.getAs("events_7d")).isEqualTo(2.0);
    assertThat((double) p1.getAs("events_28d")).isEqualTo(4.0);
    assertThat((double) p1.getAs("events_28d_store")).isEqualTo(1.0);
    assertThat((double) p1.getAs("purchases_90d")).isEqualTo(1.0);
    assertThat((double) p1.getAs("monetary_90d")).isEqualTo(50.0);
    assertThat((double) p1.getAs("complaints_28d")).isEqualTo(1.0);
    assertThat((double) p1.getAs("support_contacts_28d")).isEqualTo(1.0);
    assertThat((double) p1.getAs("avg_rating_90d")).isEqualTo(2.0);
    assertThat((double) p1.getAs("low_ratings_90d")).isEqualTo(1.0);
    assertThat((double) p1.getAs("is_customer")).isEqualTo(1.0);
    assertThat((String) p1.getAs("top_category")).isEqualTo("books");
    // p1 is observed for 21 days (first event 20 days before D): rates divide by 21; the recent
    // 7 days hold 2 of its 4 events and 2 of its 4 active days, the 14 days before the other 2.
    assertThat((double) p1.getAs("event_rate_28d")).isCloseTo(4.0 / 21, within(1e-9));
    assertThat((double) p1.getAs("active_share_28d")).isCloseTo(4.0 / 21, within(1e-9));
    assertThat((double) p1.getAs("complaint_rate_28d")).isCloseTo(1.0 / 21, within(1e-9));
    assertThat((double) p1.getAs("purchase_rate_28d")).isCloseTo(1.0 / 21, within(1e-9));
    assertThat((double) p1.getAs("low_rating_rate_90d")).isCloseTo(1.0 / 21, within(1e-9));
    assertThat((double) p1.getAs("engagement_trend")).isCloseTo(Math.log((2.0 / 7 + 0.1) / (2.0 / 14 + 0.1)), within(1e-9));
    assertThat((double) p1.getAs("activity_drift")).isCloseTo(2.0 / 7 - 2.0 / 14, within(1e-9));
    Row p2 = snapshot(lh, D, "p2");
    assertThat((double) p2.getAs("email_clicks_28d")).isEqualTo(1.0);
    assertThat((double) p2.getAs("is_customer")).isEqualTo(0.0);
    assertThat((double) p2.getAs("recency_days")).isEqualTo(0.0);
    // Seen for one day only: a rate over that day, and no baseline to compare with.
    assertThat((double) p2.getAs("event_rate_28d")).isEqualTo(1.0);
    assertThat((double) p2.getAs("engagement_trend")).isEqualTo(0.0);
    assertThat((double) p2.getAs("activity_drift")).isEqualTo(0.0);
    assertThat(lh.read(FeaturesJob.TABLE).columns()).containsExactlyElementsOf(FeatureTransforms.columns());
  }

  @Test
  void featuresAtDAreUnchangedWhenEventsAfterDAreAdded(@TempDir Path dir) {
    CdxConfig config = config(dir);
    Lakehouse lh = lakehouse(config);
    LocalDate start = LocalDate.parse("2026-01-01");
    MlFixtures.Population pop = MlFixtures.simulate(11, 70, 40, start);
    Dataset<Row> all = MlFixtures.rows(spark(), pop.events());
    Dataset<Row> upToD = all.filter(col("event_date").leq(java.sql.Date.valueOf(D)));
    assertThat(all.count()).isGreaterThan(upToD.count());
    // Every input as it stood at D: interactions, text sentiment and the social graph of D - 1.
    List<String> persons = pop.customers().subList(0, 20);
    lh.overwrite(upToD, FeaturesJob.INTERACTIONS, "event_date");
    lh.overwrite(textSentiment(persons, D.minusDays(3), -0.5), FeaturesJob.TEXT_SENTIMENT);
    lh.overwrite(graph(persons, D.minusDays(1), 0.1), FeaturesJob.GRAPH);
    new FeaturesJob(spark(), config).run(D, 2, 7);
    List<Row> before = lh.read(FeaturesJob.TABLE).orderBy("snapshot_date", "person_id").collectAsList();

    // Then what happens after D: more events (one from a newcomer), texts and a later graph in
    // which every neighbour has churned.
    Dataset<Row> later = all.unionByName(
        MlFixtures.frame(spark(), List.of(ev("newcomer", "2026-02-01", "web", "purchase").amount(10).customer("c"))));
    lh.overwrite(later, FeaturesJob.INTERACTIONS, "event_date");
    lh.overwrite(
        textSentiment(persons, D.minusDays(3), -0.5).unionByName(textSentiment(persons, D.plusDays(1), 0.9)),
        FeaturesJob.TEXT_SENTIMENT);
    lh.overwrite(graph(persons, D.minusDays(1), 0.1).unionByName(graph(persons, D.plusDays(2), 1.0)), FeaturesJob.GRAPH);
    new FeaturesJob(spark(), config).run(D, 2, 7);
    List<Row> after = lh.read(FeaturesJob.TABLE).orderBy("snapshot_date", "person_id").collectAsList();

    assertThat(before).hasSizeGreaterThan(100);
    Row someone = snapshot(lh, D, persons.get(0));
    assertThat((double) someone.getAs("text_sentiment_28d")).isEqualTo(-0.5);
    assertThat((double) someone.getAs("community_churn_rate")).isEqualTo(0.1);
    assertThat(after).containsExactlyElementsOf(before);
  }

  /** gold.text_sentiment rows: one text per person on {@code date}. */
  private static Dataset<Row> textSentiment(List<String> persons, LocalDate date, double sentiment) {
    return spark().createDataFrame(
        persons.stream().map(p -> RowFactory.create(p, java.sql.Date.valueOf(date), sentiment)).toList(),
        new StructType().add("person_id", "string").add("event_date", "date").add("sentiment", "double"));
  }

  /** gold.graph_features rows as the social job writes them (dated by run_date). */
  private static Dataset<Row> graph(List<String> persons, LocalDate runDate, double churnRate) {
    return spark().createDataFrame(
        persons.stream()
            .map(p -> RowFactory.create(java.sql.Date.valueOf(runDate), p, 3L, 0.5, churnRate, churnRate))
            .toList(),
        new StructType().add("run_date", "date").add("person_id", "string").add("degree", "long")
            .add("influence", "double").add("community_churn_rate", "double").add("churned_neighbour_share", "double"));
  }

  @Test
  void rerunReplacesTheSnapshotAndKeepsOthers(@TempDir Path dir) {
    CdxConfig config = config(dir);
    Lakehouse lh = lakehouse(config);
    lh.overwrite(
        MlFixtures.frame(spark(), List.of(ev("p1", "2026-01-10", "web", "page_view"), ev("p1", "2026-01-25", "web", "page_view"))),
        FeaturesJob.INTERACTIONS, "event_date");
    FeaturesJob job = new FeaturesJob(spark(), config);
    job.run(D, 2, 7);
    job.run(D, 1, 7);
    job.ensure(List.of(D, D.minusDays(7)));
    List<Row> rows = lh.read(FeaturesJob.TABLE).orderBy("snapshot_date").select("snapshot_date", "person_id", "events_28d").collectAsList();
    assertThat(rows).extracting(r -> r.getDate(0).toLocalDate() + " " + r.getString(1) + " " + r.getDouble(2))
        .containsExactly("2026-01-23 p1 1.0", "2026-01-30 p1 2.0");
  }

  @Test
  void missingInputColumnIsNamed(@TempDir Path dir) {
    Dataset<Row> bad = MlFixtures.frame(spark(), List.of(ev("p1", "2026-01-10", "web", "page_view"))).drop("session_id");
    assertThatThrownBy(() -> FeatureTransforms.snapshots(bad, FeaturesJob.snapshotDates(spark(), List.of(D)), bad, null, 90, 7, 28))
        .isInstanceOf(CdxException.class)
        .hasMessageStartingWith("Cannot compute features: silver.interactions has no column 'session_id'");
  }
}
