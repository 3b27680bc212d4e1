package org.customerdynamics.social;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.within;
import static org.customerdynamics.social.SocialFixtures.event;
import static org.customerdynamics.social.SocialFixtures.identityMap;
import static org.customerdynamics.social.SocialFixtures.interactions;
import static org.customerdynamics.social.SocialFixtures.sorted;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Identifiers;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.social.SocialFixtures.Event;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole job on a two-community fixture: tables, figures, reruns, ground truth, failures. */
class SocialJobTest extends SparkTestBase {
  private static final LocalDate D = LocalDate.parse("2026-01-31");
  private static final List<String> A = List.of("a1", "a2", "a3", "a4");
  private static final List<String> B = List.of("b1", "b2", "b3", "b4");

  private static String key(CdxConfig config, String handle) {
    return Identifiers.key(config.privacy().hashKey(), "so", handle, "1");
  }

  /** Persons p&lt;name&gt; with handle &lt;name&gt;: two cliques, one bridge, b1 the influencer. */
  private static void seed(Lakehouse lakehouse, CdxConfig config) {
    List<Event> events = new ArrayList<>();
    int n = 0;
    for (List<String> group : List.of(A, B)) {
      for (String from : group) {
        for (String to : group) {
          if (!from.equals(to)) {
            events.add(
                event("m" + n++, "mention", "2026-01-30T10:00:00Z")
                    .by("p" + from, "so:" + key(config, from))
                    .toSocial(key(config, to)));
          }
        }
      }
    }
    for (String fan : List.of("b2", "b3", "b4")) {
      events.add(
          event("s" + fan, "share", "2026-01-31T09:00:00Z")
              .by("p" + fan, "so:" + key(config, fan))
              .toSocial(key(config, "b1")));
    }
    events.add(
        event("bridge", "mention", "2026-01-29T00:00:00Z")
            .by("pa1", "so:" + key(config, "a1"))
            .toSocial(key(config, "b1")));
    // After the run date: excluded.
    events.add(
        event("late", "mention", "2026-02-01T00:00:00Z")
            .by("pa1", "so:" + key(config, "a1"))
            .toSocial(key(config, "b2")));
    events.add(event("buy", "purchase", "2026-01-15T00:00:00Z").by("pa2", "so:" + key(config, "a2")).product("p1", "c1"));
    events.add(event("bad", "review", "2026-01-20T00:00:00Z").by("pb2", "so:" + key(config, "b2")).rating(1));
    lakehouse.overwrite(
        interactions(spark(), events.toArray(new Event[0])), "silver.interactions", "event_date");
    Map<String, String> map = new LinkedHashMap<>();
    for (String name : List.of("a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4")) {
      map.put("so:" + key(config, name), "p" + name);
    }
    lakehouse.overwrite(identityMap(spark(), map), "silver.identity_map");
  }

  private static Path truth(Path dir) throws IOException {
    Path truth = Files.createDirectories(dir.resolve("truth"));
    StringBuilder persons =
        new StringBuilder("person_id,is_customer,community_id,is_influencer,is_churner,is_niche,household_id\n");
    StringBuilder ids = new StringBuilder("id_type,value,person_id\n");
    for (String name : List.of("a1", "a2", "a3", "a4", "b1", "b2", "b3", "b4")) {
      persons
          .append("T-")
          .append(name)
          .append(",false,")
          .append(name.charAt(0) == 'a' ? "1" : "2")
          .append(',')
          .append(name.equals("b1"))
          .append(",false,false,\n");
      ids.append("so,@").append(name.toUpperCase()).append(",T-").append(name).append('\n');
    }
    Files.writeString(truth.resolve("persons.csv"), persons);
    Files.writeString(truth.resolve("identifiers.csv"), ids);
    return truth;
  }

  @Test
  void buildsTheGraphScoresItAndRerunsToTheSameTables(@TempDir Path dir) throws IOException {
    CdxConfig config = config(dir, "social.tolerance=1e-5", "social.window-days=30");
    Lakehouse lakehouse = lakehouse(config);
    seed(lakehouse, config);
    Path truth = truth(dir);

    SocialJob.Summary first =
        new SocialJob(spark(), config).run(D, Optional.of(truth.toString()));

    assertThat(first.persons()).isEqualTo(8);
    assertThat(first.edges()).isEqualTo(25);
    assertThat(first.socialEvents()).isEqualTo(28);
    assertThat(first.unresolvedEvents()).isZero();
    assertThat(first.communities()).isEqualTo(2);
    assertThat(first.modularity()).isGreaterThan(0.3);
    assertThat(first.nmi()).isCloseTo(1.0, within(1e-9));
    assertThat(first.influencerHitRate()).isEqualTo(1.0);
    assertThat(first.describe())
        .contains("8 persons, 25 edges")
        .contains("community NMI 1.0000")
        .contains("planted influencers in the top 5% by influence: 1.0000 (1 of 1)");

    assertThat(sorted(lakehouse.read("gold.communities").select("person_id", "community_id")))
        .containsExactly(
            "[pa1,pa1]", "[pa2,pa1]", "[pa3,pa1]", "[pa4,pa1]",
            "[pb1,pb1]", "[pb2,pb1]", "[pb3,pb1]", "[pb4,pb1]");
    assertThat(
            lakehouse.read("gold.influence").orderBy("pagerank_rank").first().getAs("person_id")
                .toString())
        .isEqualTo("pb1");
    assertThat(lakehouse.read("gold.social_edges").where("dst_person_id = 'pb2' AND src_person_id = 'pa1'").count())
        .isZero();
    assertThat(
            sorted(
                lakehouse
                    .read("gold.community_profiles")
                    .selectExpr("community_id", "size", "customers", "array_join(top_products, '|')")))
        .containsExactly("[pa1,4,1,p1]", "[pb1,4,0,]");
    assertThat(lakehouse.read("gold.graph_features").count()).isEqualTo(8);
    assertThat(
            sorted(
                lakehouse
                    .read("gold.social_quality")
                    .selectExpr("cast(run_date as string)", "persons", "communities", "nmi",
                        "influencer_hit_rate")))
        .containsExactly("[2026-01-31,8,2,1.0,1.0]");

    Map<String, List<String>> before = snapshot(lakehouse);
    SocialJob.Summary second = new SocialJob(spark(), config).run(D, Optional.of(truth.toString()));
    assertThat(second).isEqualTo(first);
    assertThat(snapshot(lakehouse)).isEqualTo(before);
  }

  private static Map<String, List<String>> snapshot(Lakehouse lakehouse) {
    Map<String, List<String>> out = new LinkedHashMap<>();
    for (String table : SocialJob.OUTPUTS) {
      out.put(table, sorted(lakehouse.read(table)));
    }
    return out;
  }

  @Test
  void missingInputsAndTruthFailWithAClearMessage(@TempDir Path dir) {
    CdxConfig config = config(dir);
    Lakehouse lakehouse = lakehouse(config);
    assertThatThrownBy(() -> new SocialJob(spark(), config).run(D, Optional.empty()))
        .isInstanceOf(CdxException.class)
        .hasMessageStartingWith("Cannot read silver.interactions: no Delta table at ")
        .hasMessageEndingWith("; run the job that writes it first");
    assertThatThrownBy(
            () -> new SocialJob(spark(), config).run(D, Optional.of(dir.resolve("nowhere").toString())))
        .isInstanceOf(CdxException.class)
        .hasMessageStartingWith("Cannot score against the ground truth: cannot read ")
        .hasMessageContaining("nowhere/persons.csv")
        .hasMessageEndingWith(
            "pass --truth pointing at the folder the generator wrote (persons.csv, identifiers.csv)");
    assertThat(lakehouse.exists("gold.social_edges")).isFalse();
  }
}
