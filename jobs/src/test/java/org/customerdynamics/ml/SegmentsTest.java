package org.customerdynamics.ml;

import static org.apache.spark.sql.functions.col;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Date;
import java.time.LocalDate;
import java.util.HashSet;
import java.util.Set;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The planted niche of engaged prospects lands in segments flagged untapped. */
class SegmentsTest extends SparkTestBase {
  @Test
  void theNicheOfEngagedProspectsIsFlaggedUntapped(@TempDir Path dir) {
    CdxConfig config = config(dir, "ml.segments.k-max=8");
    Lakehouse lh = lakehouse(config);
    LocalDate start = LocalDate.parse("2026-01-01");
    LocalDate d = start.plusDays(34);
    MlFixtures.Population pop = MlFixtures.simulate(7, 400, 35, start);
    lh.overwrite(MlFixtures.rows(spark(), pop.events()), FeaturesJob.INTERACTIONS, "event_date");
    ModelRegistry.Entry e = new TrainJob(spark(), config).run("segments", d);
    System.out.println(TrainJob.report(e));
    System.out.println("  details: " + e.details());
    new ScoreJob(spark(), config).run(d);

    Set<String> untapped = new HashSet<>();
    lh.read(ScoreJob.SEGMENTS).filter(col("snapshot_date").equalTo(Date.valueOf(d)).and(col("untapped")))
        .select("person_id").collectAsList().forEach(r -> untapped.add(r.getString(0)));
    long flagged = pop.niche().stream().filter(untapped::contains).count();
    System.out.printf("niche members in untapped segments: %d of %d; untapped persons %d%n", flagged, pop.niche().size(), untapped.size());
    // Issue 6 asks for >= 0.8 on the demo data; the fixture's niche must reach it too (before the
    // category_customer_share input, the least active niche members clustered with ordinary
    // prospects and only 11 of 15 were flagged).
    assertThat((double) flagged / pop.niche().size()).isGreaterThanOrEqualTo(0.8);
    assertThat(untapped.size()).isLessThan(200);
  }
}
