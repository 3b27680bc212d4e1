package org.customerdynamics.identity;

import static org.assertj.core.api.Assertions.assertThat;

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

  private final List<Row> edges = new ArrayList<>();

  private IdentityTransformsTest link(String a, String b) {
    edges.add(RowFactory.create(a.compareTo(b) < 0 ? a : b, a.compareTo(b) < 0 ? b : a));
    return this;
  }

  private List<String> overLinked(int cap, Map<String, Integer> typeCaps, int perType) {
    Dataset<Row> history = spark().createDataFrame(edges, EDGES);
    return IdentityTransforms.overLinked(history, cap, typeCaps, perType).orderBy("node").collectAsList().stream()
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

    assertThat(overLinked(25, Map.of("de", 8), 3))
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
            "em:noreply 6 3 linked to 6 identifiers of type an; cap per linked type is 3",
            "ph:000 8 3 linked to 4 identifiers of type cu; cap per linked type is 3");
  }

  @Test
  void fanOutAtTheCapIsKept() {
    link("em:m", "an:a1").link("em:m", "an:a2").link("em:m", "an:a3");
    assertThat(overLinked(25, Map.of(), 3)).isEmpty();
  }
}
