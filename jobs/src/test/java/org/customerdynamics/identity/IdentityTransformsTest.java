package org.customerdynamics.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;

class IdentityTransformsTest extends SparkTestBase {
  private static final StructType EDGES =
      new StructType().add("src", DataTypes.StringType).add("dst", DataTypes.StringType);

  private static final StructType NODES = new StructType().add("node", DataTypes.StringType);
  private static final StructType DAY_EDGES = EDGES.add("first_event_id", DataTypes.StringType);
  private static final StructType SIGHTINGS =
      new StructType()
          .add("node", DataTypes.StringType)
          .add("id_type", DataTypes.StringType)
          .add("first_seen", DataTypes.TimestampType)
          .add("last_seen", DataTypes.TimestampType);

  private final List<Row> edges = new ArrayList<>();

  private IdentityTransformsTest link(String a, String b) {
    edges.add(RowFactory.create(a.compareTo(b) < 0 ? a : b, a.compareTo(b) < 0 ? b : a));
    return this;
  }

  private List<String> overLinked(
      int cap, Map<String, Integer> typeCaps, int perType, Map<String, Integer> linkedTypeCaps) {
    Dataset<Row> history = spark().createDataFrame(edges, EDGES);
    return IdentityTransforms.overLinked(history, cap, typeCaps, perType, linkedTypeCaps).orderBy("node").collectAsList().stream()
        .map(r -> r.getAs("node") + " " + r.getAs("degree") + " " + r.getAs("cap") + " " + r.getAs("reason"))
        .toList();
  }

  @Test
  void excludesHubsThenIdentifiersFanningOutToOneType() {
    // A placeholder e-mail typed with six prospects' cookies: degree 6, under the cap of 25, but six
    // identifiers of one type.
    for (int i = 1; i <= 6; i++) {
      link("em:noreply", "an:cookie" + i);
    }
    // A placeholder phone typed for four customers and their e-mails: degree 8, four of each type.
    for (int i = 1; i <= 4; i++) {
      link("ph:000", "cu:c" + i).link("ph:000", "em:m" + i).link("cu:c" + i, "em:m" + i);
    }
    // A POS terminal seen with two customer ids only: far under every cap but the one for cu.
    link("de:quiet", "cu:c1").link("de:quiet", "cu:c2");
    // A real customer: one e-mail, three cookies, a phone, and the nine POS terminals of a store,
    // each a hub (ten shoppers, cap 8 for devices): the terminals must not make the customer look
    // over-linked.
    link("cu:real", "em:real").link("cu:real", "an:r1").link("cu:real", "an:r2").link("cu:real", "an:r3");
    link("cu:real", "ph:real").link("em:real", "an:r1");
    for (int t = 1; t <= 9; t++) {
      link("de:pos" + t, "cu:real");
      for (int c = 1; c <= 9; c++) {
        link("de:pos" + t, "lo:shopper" + c);
      }
    }

    assertThat(overLinked(25, Map.of("de", 8), 3, Map.of("cu", 1)))
        .containsExactly(
            "de:pos1 10 8 linked to 10 other identifiers; cap for type de is 8",
            "de:pos2 10 8 linked to 10 other identifiers; cap for type de is 8",
            "de:pos3 10 8 linked to 10 other identifiers; cap for type de is 8",
            "de:pos4 10 8 linked to 10 other identifiers; cap for type de is 8",
            "de:pos5 10 8 linked to 10 other identifiers; cap for type de is 8",
            "de:pos6 10 8 linked to 10 other identifiers; cap for type de is 8",
            "de:pos7 10 8 linked to 10 other identifiers; cap for type de is 8",
            "de:pos8 10 8 linked to 10 other identifiers; cap for type de is 8",
            "de:pos9 10 8 linked to 10 other identifiers; cap for type de is 8",
            "de:quiet 2 1 linked to 2 identifiers of type cu; cap for linked type cu is 1",
            "em:noreply 6 3 linked to 6 identifiers of type an; cap for linked type an is 3",
            "ph:000 8 1 linked to 4 identifiers of type cu; cap for linked type cu is 1");
  }

  @Test
  void overLinkedAmongAFocusIsTheWholeHistorysVerdictOnIt() {
    // The graph of the test above, with links repeated as on later days.
    for (int i = 1; i <= 6; i++) {
      link("em:noreply", "an:cookie" + i).link("em:noreply", "an:cookie" + i);
    }
    for (int i = 1; i <= 4; i++) {
      link("ph:000", "cu:c" + i).link("ph:000", "em:m" + i).link("cu:c" + i, "em:m" + i);
    }
    link("de:quiet", "cu:c1").link("de:quiet", "cu:c2").link("de:quiet", "cu:c2");
    link("cu:real", "em:real").link("cu:real", "an:r1").link("cu:real", "an:r2").link("cu:real", "an:r3");
    link("cu:real", "ph:real").link("em:real", "an:r1");
    for (int t = 1; t <= 9; t++) {
      link("de:pos" + t, "cu:real");
      for (int c = 1; c <= 9; c++) {
        link("de:pos" + t, "lo:shopper" + c).link("de:pos" + t, "lo:shopper" + c);
      }
    }
    List<String> whole = overLinked(25, Map.of("de", 8), 3, Map.of("cu", 1));
    assertThat(whole).hasSize(12);
    List<String> every =
        edges.stream().flatMap(r -> java.util.stream.Stream.of(r.getString(0), r.getString(1))).distinct().toList();
    // A customer linked to nine terminals, none of them in the focus: they are hubs, so the customer
    // does not fan out. Terminals, placeholders and ordinary identifiers mixed; and every identifier.
    for (List<String> focus :
        List.of(
            List.of("cu:real"),
            List.of("de:pos4", "lo:shopper1", "em:noreply", "ph:000", "cu:c2", "de:quiet", "em:real"),
            every)) {
      Dataset<Row> focusRows =
          spark().createDataFrame(focus.stream().map(n -> (Row) RowFactory.create(n)).toList(), NODES);
      List<String> focused =
          IdentityTransforms.overLinked(
                  spark().createDataFrame(edges, EDGES), focusRows, 25, Map.of("de", 8), 3, Map.of("cu", 1))
              .orderBy("node").collectAsList().stream()
              .map(r -> r.getAs("node") + " " + r.getAs("degree") + " " + r.getAs("cap") + " " + r.getAs("reason"))
              .toList();
      assertThat(focused)
          .as("focus %s", focus)
          .isEqualTo(whole.stream().filter(line -> focus.contains(line.substring(0, line.indexOf(' ')))).toList());
    }
  }

  @Test
  void fanOutAtTheCapIsKept() {
    link("em:m", "an:a1").link("em:m", "an:a2").link("em:m", "an:a3");
    link("ph:p", "cu:c1").link("ph:p", "cu:c2");
    assertThat(overLinked(25, Map.of(), 3, Map.of("cu", 2))).isEmpty();
  }

  @Test
  void linkedTypeCapsAreMergedOverTheDefault() {
    assertThat(new IdentityConfig(null, null, null, Map.of("an", 20), null, null, null, null).linkedTypeCaps())
        .isEqualTo(Map.of("an", 20, "cu", 1));
    assertThat(new IdentityConfig(null, null, null, Map.of("cu", 3), null, null, null, null).linkedTypeCaps())
        .isEqualTo(Map.of("cu", 3));
  }

  @Test
  void identifierExcludedTheDayItsPersonIsMergedAwayGetsOneExcludedRow() {
    LocalDate day1 = LocalDate.parse("2026-01-05");
    LocalDate day2 = LocalDate.parse("2026-01-06");
    Timestamp older = Timestamp.valueOf("2026-01-05 09:00:00");
    Timestamp younger = Timestamp.valueOf("2026-01-05 10:00:00");
    Timestamp today = Timestamp.valueOf("2026-01-06 08:00:00");
    // Day 1: person pq holds cu:q; the younger person pp holds em:p and a device seen with it.
    Dataset<Row> previousMap =
        spark()
            .createDataFrame(
                List.of(
                    mapRow("cu:q", "pq", older, day1),
                    mapRow("de:shared", "pp", younger, day1),
                    mapRow("em:p", "pp", younger, day1)),
                IdentityJob.MAP_SCHEMA);
    // Day 2: the device is over-linked (excluded from now on), so pp is re-resolved without it, and
    // an event links em:p to cu:q, so pp is merged into the older pq the same day.
    Dataset<Row> excludedNodes =
        spark().createDataFrame(List.of(RowFactory.create("de:shared")), NODES);
    Dataset<Row> dayEdges =
        spark().createDataFrame(List.of(RowFactory.create("cu:q", "em:p", "bridge")), DAY_EDGES);
    Dataset<Row> history =
        dayEdges
            .select("src", "dst")
            .union(spark().createDataFrame(List.of(RowFactory.create("de:shared", "em:p")), EDGES));
    Dataset<Row> sightings =
        spark()
            .createDataFrame(
                List.of(
                    RowFactory.create("cu:q", "cu", today, today),
                    RowFactory.create("de:shared", "de", today, today),
                    RowFactory.create("em:p", "em", today, today)),
                SIGHTINGS);
    Dataset<Row> dirty = IdentityTransforms.dirtyPersons(previousMap, excludedNodes);
    Dataset<Row> graph =
        IdentityTransforms.workingGraph(dayEdges, sightings, previousMap, excludedNodes, history, dirty);
    Dataset<Row> components = ConnectedComponents.ofStrings(graph, 10, 2, 0);
    Dataset<Row> assigned =
        IdentityTransforms.assign(components, previousMap, sightings, dirty, day2).localCheckpoint(true);

    // One row per node (the map's MERGE key): the device is excluded, it does not follow pp into pq.
    assertThat(
            IdentityTransforms.mapUpdates(assigned, previousMap, sightings, excludedNodes, day2)
                .orderBy("node", "person_id")
                .collectAsList()
                .stream()
                .map(
                    r ->
                        r.getAs("node") + " " + r.getAs("person_id") + " " + r.getAs("excluded") + " "
                            + r.getAs("assigned_on"))
                .toList())
        .containsExactly(
            "cu:q pq false 2026-01-05", "de:shared null true 2026-01-06", "em:p pq false 2026-01-06");
    assertThat(
            IdentityTransforms.merges(assigned, previousMap, dayEdges, excludedNodes, day2)
                .collectAsList()
                .stream()
                .map(r -> r.getAs("kind") + " " + r.getAs("person_id") + " " + r.getAs("into_person_id") + " "
                    + r.getAs("edge_src") + "-" + r.getAs("edge_dst") + " " + r.getAs("event_id") + " "
                    + r.getAs("identifiers"))
                .toList())
        .containsExactly("merge pp pq cu:q-em:p bridge 1");
  }

  private static Row mapRow(String node, String person, Timestamp seen, LocalDate assignedOn) {
    return RowFactory.create(node, node.substring(0, 2), person, seen, seen, false, Date.valueOf(assignedOn));
  }
}
