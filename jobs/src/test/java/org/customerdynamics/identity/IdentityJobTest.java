package org.customerdynamics.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.customerdynamics.testing.SilverInteractions.event;

import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;
import org.apache.spark.sql.Row;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.testing.SilverInteractions;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class IdentityJobTest extends SparkTestBase {
  static final LocalDate DAY1 = LocalDate.parse("2026-01-05");
  static final LocalDate DAY2 = LocalDate.parse("2026-01-06");

  @TempDir Path dir;

  private IdentityJob.Result run(CdxConfig config, LocalDate day) {
    return new IdentityJob(spark(), config, null).run(day);
  }

  /** node -> person_id ("-" when excluded). */
  private static Map<String, String> map(Lakehouse lakehouse) {
    Map<String, String> m = new TreeMap<>();
    for (Row r : lakehouse.read(IdentityJob.MAP).collectAsList()) {
      String person = r.getAs("person_id");
      m.put(r.getAs("node"), person == null ? "-" : person);
    }
    return m;
  }

  /** The persons as sorted groups of nodes, e.g. [[an:a1, cu:c1], [em:x]]. */
  private static List<String> groups(Map<String, String> map) {
    Map<String, TreeSet<String>> byPerson = new TreeMap<>();
    map.forEach((node, person) -> {
      if (!person.equals("-")) {
        byPerson.computeIfAbsent(person, p -> new TreeSet<>()).add(node);
      }
    });
    return byPerson.values().stream().map(Object::toString).sorted().collect(Collectors.toList());
  }

  /** event_id -> person_id of silver.interactions. */
  private static Map<String, String> stamped(Lakehouse lakehouse) {
    Map<String, String> m = new TreeMap<>();
    for (Row r : lakehouse.read(IdentityJob.INTERACTIONS).collectAsList()) {
      String person = r.getAs("person_id");
      m.put(r.getAs("event_id"), person == null ? "-" : person);
    }
    return m;
  }

  @Test
  void aStampedRowGetsTheSmallestPersonOfItsLinkedIdentifiers() {
    String[] prefixes = {"cu:", "em:", "ph:"};
    Map<String, String> persons = Map.of("cu:1", "p2", "em:a", "p1", "ph:x", "p3");
    assertThat(IdentityJob.smallestPerson(keys("1", "a", null), prefixes, persons)).isEqualTo("p1");
    // An empty key is no identifier; an identifier the map does not link adds no person.
    assertThat(IdentityJob.smallestPerson(keys("1", "", "x"), prefixes, persons)).isEqualTo("p2");
    assertThat(IdentityJob.smallestPerson(keys("9", "b", "x"), prefixes, persons)).isEqualTo("p3");
    assertThat(IdentityJob.smallestPerson(keys("9", null, null), prefixes, persons)).isNull();
  }

  private static scala.collection.Seq<String> keys(String... keys) {
    return scala.jdk.javaapi.CollectionConverters.asScala(java.util.Arrays.asList(keys)).toSeq();
  }

  @Test
  void linksIdentifiersSeenTogetherAndStampsInteractions() {
    CdxConfig config = config(dir);
    Lakehouse lakehouse = lakehouse(config);
    SilverInteractions.append(
        lakehouse,
        event("e1").at("2026-01-05T09:00").id("cu", "c1").id("an", "a1"),
        event("e2").at("2026-01-05T09:05").id("an", "a1").id("de", "d1"),
        event("e3").at("2026-01-05T10:00").id("em", "x"),
        event("e4").at("2026-01-05T11:00").id("cu", "c2").id("em", "y").id("so", "s2"),
        event("e5").at("2026-01-06T11:00").id("de", "d1"));

    IdentityJob.Result result = run(config, DAY1);

    Map<String, String> map = map(lakehouse);
    assertThat(groups(map))
        .containsExactly("[an:a1, cu:c1, de:d1]", "[cu:c2, em:y, so:s2]", "[em:x]");
    assertThat(result.persons()).isEqualTo(3);
    assertThat(result.merges()).isZero();
    Map<String, String> stamped = stamped(lakehouse);
    assertThat(stamped.get("e1")).isEqualTo(map.get("cu:c1")).isEqualTo(stamped.get("e2"));
    assertThat(stamped.get("e3")).isEqualTo(map.get("em:x"));
    assertThat(stamped.get("e4")).isEqualTo(map.get("cu:c2"));
    assertThat(stamped.get("e5")).as("another day's event is not stamped by this run").isEqualTo("-");
    assertThat(lakehouse.read(IdentityJob.EDGES).orderBy("src", "dst").collectAsList().stream()
            .map(r -> r.getAs("src") + "-" + r.getAs("dst") + ":" + r.getAs("first_event_id")).toList())
        .containsExactly("an:a1-cu:c1:e1", "an:a1-de:d1:e2", "cu:c2-em:y:e4", "cu:c2-so:s2:e4", "em:y-so:s2:e4");
  }

  @Test
  void aLateEventIsLinkedAndStampedByTheRunOfTheDayItLanded() {
    CdxConfig config = config(dir);
    Lakehouse lakehouse = lakehouse(config);
    SilverInteractions.append(lakehouse, event("e1").at("2026-01-05T09:00").id("cu", "c1").id("an", "a1"));
    run(config, DAY1);
    String person = map(lakehouse).get("cu:c1");
    // Refine of DAY2 brings an event of DAY1 that arrived a day late, and one of DAY2.
    SilverInteractions.append(
        lakehouse,
        event("late").at("2026-01-05T22:00").landed("2026-01-06").id("an", "a1").id("em", "z"),
        event("e2").at("2026-01-06T08:00").id("de", "d2"));

    run(config, DAY2);
    Map<String, String> afterDay2 = map(lakehouse);
    Map<String, String> stampedAfterDay2 = stamped(lakehouse);
    assertThat(afterDay2).containsEntry("em:z", person);
    assertThat(stampedAfterDay2)
        .containsEntry("e1", person)
        .containsEntry("late", person)
        .containsEntry("e2", afterDay2.get("de:d2"));
    assertThat(lakehouse.read(IdentityJob.EDGES).collectAsList().stream()
            .map(r -> r.getAs("edge_date") + " " + r.getAs("src") + "-" + r.getAs("dst")).toList())
        .as("a link is kept under the day it landed, so that day's rerun replaces it")
        .containsExactlyInAnyOrder("2026-01-05 an:a1-cu:c1", "2026-01-06 an:a1-em:z");

    run(config, DAY1);
    run(config, DAY2);
    assertThat(map(lakehouse)).isEqualTo(afterDay2);
    assertThat(stamped(lakehouse)).isEqualTo(stampedAfterDay2);
    assertThat(lakehouse.read(IdentityJob.EDGES).count()).isEqualTo(2);
  }

  @Test
  void newIdentifiersAttachToExistingPersonsAndRerunsChangeNothing() {
    CdxConfig config = config(dir);
    Lakehouse lakehouse = lakehouse(config);
    SilverInteractions.append(
        lakehouse,
        event("e1").at("2026-01-05T09:00").id("cu", "c1").id("an", "a1"),
        event("e2").at("2026-01-06T09:00").id("an", "a1").id("de", "d9"),
        event("e3").at("2026-01-06T10:00").id("em", "new"));
    run(config, DAY1);
    String person = map(lakehouse).get("cu:c1");

    run(config, DAY2);
    Map<String, String> afterDay2 = map(lakehouse);
    Map<String, String> stampedAfterDay2 = stamped(lakehouse);
    assertThat(afterDay2.get("de:d9")).isEqualTo(person);
    assertThat(afterDay2.get("an:a1")).isEqualTo(person);
    assertThat(stampedAfterDay2).containsEntry("e1", person).containsEntry("e2", person);

    run(config, DAY1);
    run(config, DAY2);
    assertThat(map(lakehouse)).isEqualTo(afterDay2);
    assertThat(stamped(lakehouse)).isEqualTo(stampedAfterDay2);
    assertThat(lakehouse.read(IdentityJob.EDGES).count()).isEqualTo(2);
  }

  // Stamping takes an UPDATE with a lookup of each row's person up to a limit of identifiers (the
  // default; a limit of 2, which these runs exceed, takes the MERGE instead), or always the MERGE
  // (0). The tests that restamp rows of earlier days (a merge, a split) run all three ways.
  @ParameterizedTest(name = "identity.stamp-lookup-max-nodes={0}")
  @ValueSource(strings = {"1000000", "2", "0"})
  void plantedMergeKeepsTheOlderIdAndRecordsTheMerge(String stampLookupMaxNodes) {
    CdxConfig config = config(dir, "identity.stamp-lookup-max-nodes=" + stampLookupMaxNodes);
    Lakehouse lakehouse = lakehouse(config);
    SilverInteractions.append(
        lakehouse,
        event("a").at("2026-01-05T09:00").id("cu", "c1").id("an", "a1"),
        event("b").at("2026-01-05T10:00").id("em", "e2").id("ph", "p2"),
        event("bridge").at("2026-01-06T08:00").id("an", "a1").id("em", "e2"));
    run(config, DAY1);
    Map<String, String> before = map(lakehouse);
    String older = before.get("cu:c1");
    String younger = before.get("em:e2");
    assertThat(older).isNotEqualTo(younger);

    IdentityJob.Result result = run(config, DAY2);

    assertThat(result.merges()).isEqualTo(1);
    assertThat(lakehouse.delta(IdentityJob.INTERACTIONS).history(1).select("operation").head().getString(0))
        .as("the commit that stamped the rows")
        .isEqualTo(stampLookupMaxNodes.equals("1000000") ? "UPDATE" : "MERGE");
    assertThat(groups(map(lakehouse))).containsExactly("[an:a1, cu:c1, em:e2, ph:p2]");
    assertThat(map(lakehouse).get("ph:p2")).isEqualTo(older);
    assertThat(stamped(lakehouse)).containsEntry("a", older).containsEntry("b", older).containsEntry("bridge", older);
    List<Row> merges = lakehouse.read(IdentityJob.MERGES).collectAsList();
    assertThat(merges).hasSize(1);
    Row m = merges.get(0);
    assertThat(m.<java.sql.Date>getAs("run_date").toLocalDate()).isEqualTo(DAY2);
    assertThat((String) m.getAs("kind")).isEqualTo("merge");
    assertThat((String) m.getAs("person_id")).isEqualTo(younger);
    assertThat((String) m.getAs("into_person_id")).isEqualTo(older);
    assertThat((String) m.getAs("edge_src")).isEqualTo("an:a1");
    assertThat((String) m.getAs("edge_dst")).isEqualTo("em:e2");
    assertThat((String) m.getAs("event_id")).isEqualTo("bridge");

    run(config, DAY2);
    run(config, DAY1);
    assertThat(lakehouse.read(IdentityJob.MERGES).count()).isEqualTo(1);
    assertThat(map(lakehouse).values()).containsOnly(older);
  }

  @Test
  void overLinkedIdentifierIsExcludedReportedAndLinksNobody() {
    CdxConfig config = config(dir, "identity.max-links-per-identifier=3");
    Lakehouse lakehouse = lakehouse(config);
    SilverInteractions.append(
        lakehouse,
        event("k1").at("2026-01-05T09:00").channel("kiosk").id("de", "kiosk").id("cu", "c1"),
        event("k2").at("2026-01-05T09:10").channel("kiosk").id("de", "kiosk").id("cu", "c2"),
        event("k3").at("2026-01-05T09:20").channel("kiosk").id("de", "kiosk").id("lo", "l3"),
        event("k4").at("2026-01-05T09:30").channel("kiosk").id("de", "kiosk").id("em", "m4"),
        event("k5").at("2026-01-05T09:40").channel("kiosk").id("de", "kiosk"));

    IdentityJob.Result result = run(config, DAY1);

    assertThat(result.excluded()).isEqualTo(1);
    Map<String, String> map = map(lakehouse);
    assertThat(map).containsEntry("de:kiosk", "-");
    assertThat(groups(map)).containsExactly("[cu:c1]", "[cu:c2]", "[em:m4]", "[lo:l3]");
    assertThat(stamped(lakehouse)).containsEntry("k5", "-").containsEntry("k1", map.get("cu:c1"));
    List<Row> excluded = lakehouse.read(IdentityJob.EXCLUDED).collectAsList();
    assertThat(excluded).hasSize(1);
    assertThat((String) excluded.get(0).getAs("node")).isEqualTo("de:kiosk");
    assertThat((Long) excluded.get(0).getAs("degree")).isEqualTo(4L);
    assertThat((String) excluded.get(0).getAs("reason"))
        .isEqualTo("linked to 4 other identifiers; cap for type de is 3");

    // Day 2 does not link the kiosk: it is judged on the days it is linked only, and stays excluded.
    SilverInteractions.append(
        lakehouse,
        event("d2").at("2026-01-06T10:00").id("cu", "c1").id("em", "m1"),
        event("d3").at("2026-01-06T10:05").channel("kiosk").id("de", "kiosk"));
    assertThat(run(config, DAY2).excluded()).isZero();
    assertThat(map(lakehouse)).containsEntry("de:kiosk", "-");
    assertThat(stamped(lakehouse)).containsEntry("d3", "-");
    assertThat(lakehouse.read(IdentityJob.EXCLUDED).filter("run_date = DATE'2026-01-06'").count()).isZero();
    // Day 3 links it with one more customer: judged again, on its whole history.
    SilverInteractions.append(
        lakehouse, event("k6").at("2026-01-07T09:00").channel("kiosk").id("de", "kiosk").id("cu", "c6"));
    assertThat(run(config, DAY2.plusDays(1)).excluded()).isEqualTo(1);
    Row third = lakehouse.read(IdentityJob.EXCLUDED).filter("run_date = DATE'2026-01-07'").head();
    assertThat((Long) third.getAs("degree")).isEqualTo(5L);
    assertThat(map(lakehouse)).containsEntry("de:kiosk", "-").containsKey("cu:c6");
    assertThat(map(lakehouse).get("cu:c6")).isNotEqualTo("-");
  }

  @Test
  void perTypeCapOverridesTheDefault() {
    CdxConfig config = config(dir, "identity.type-caps={cu: 1}");
    Lakehouse lakehouse = lakehouse(config);
    SilverInteractions.append(
        lakehouse,
        event("x").at("2026-01-05T09:00").id("cu", "c1").id("an", "a1").id("an", "a1"),
        event("y").at("2026-01-05T09:10").id("cu", "c1").id("em", "m1"));
    run(config, DAY1);
    assertThat(map(lakehouse)).containsEntry("cu:c1", "-");
    assertThat(groups(map(lakehouse))).containsExactly("[an:a1]", "[em:m1]");
  }

  @ParameterizedTest(name = "identity.stamp-lookup-max-nodes={0}")
  @ValueSource(strings = {"1000000", "2", "0"})
  void identifierExcludedLaterSplitsThePersonItHadFused(String stampLookupMaxNodes) {
    // The degree cap alone decides here: the device may meet up to four customer ids.
    CdxConfig config =
        config(
            dir,
            "identity.max-links-per-identifier=3",
            "identity.linked-type-caps={cu: 4}",
            "identity.stamp-lookup-max-nodes=" + stampLookupMaxNodes);
    Lakehouse lakehouse = lakehouse(config);
    SilverInteractions.append(
        lakehouse,
        event("s1").at("2026-01-05T09:00").id("de", "shared").id("cu", "c1"),
        event("s2").at("2026-01-05T10:00").id("de", "shared").id("cu", "c2"),
        event("s3").at("2026-01-06T09:00").id("de", "shared").id("cu", "c3"),
        event("s4").at("2026-01-06T10:00").id("de", "shared").id("cu", "c4"));
    run(config, DAY1);
    String fused = map(lakehouse).get("cu:c1");
    assertThat(map(lakehouse).get("cu:c2")).isEqualTo(fused);

    run(config, DAY2);

    Map<String, String> map = map(lakehouse);
    assertThat(map.get("de:shared")).isEqualTo("-");
    assertThat(groups(map)).containsExactly("[cu:c1]", "[cu:c2]", "[cu:c3]", "[cu:c4]");
    assertThat(map.get("cu:c1")).as("the part with the oldest identifier keeps the id").isEqualTo(fused);
    assertThat(stamped(lakehouse)).containsEntry("s2", map.get("cu:c2"));
    List<Row> merges = lakehouse.read(IdentityJob.MERGES).collectAsList();
    assertThat(merges).hasSize(1);
    assertThat((String) merges.get(0).getAs("kind")).isEqualTo("split");
    assertThat((String) merges.get(0).getAs("person_id")).isEqualTo(fused);
    assertThat((String) merges.get(0).getAs("into_person_id")).isEqualTo(map.get("cu:c2"));
    assertThat((String) merges.get(0).getAs("edge_src")).isEqualTo("de:shared");

    run(config, DAY2);
    assertThat(map(lakehouse)).isEqualTo(map);
  }

  @Test
  void failsClearlyWithoutSilverInteractions() {
    CdxConfig config = config(dir);
    lakehouse(config);
    assertThatThrownBy(() -> run(config, DAY1))
        .isInstanceOf(CdxException.class)
        .hasMessageStartingWith("Cannot read silver.interactions: no Delta table at")
        .hasMessageEndingWith("run the job that writes it first");
  }
}
