package org.customerdynamics.identity;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Identifiers;
import org.customerdynamics.common.config.PrivacyConfig;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IdentityQualityTest extends SparkTestBase {
  static final LocalDate DAY = LocalDate.parse("2026-01-05");

  @TempDir Path dir;

  /** rows of node, person_id (null = excluded). */
  private static Dataset<Row> map(String... nodePerson) {
    List<Row> rows = new ArrayList<>();
    Timestamp t = Timestamp.valueOf("2026-01-05 09:00:00");
    for (int i = 0; i < nodePerson.length; i += 2) {
      String person = nodePerson[i + 1];
      rows.add(
          RowFactory.create(
              nodePerson[i], nodePerson[i].substring(0, 2), person, t, t, person == null,
              java.sql.Date.valueOf(DAY)));
    }
    return spark().createDataFrame(rows, IdentityJob.MAP_SCHEMA);
  }

  private static Dataset<Row> pairs(String a, String b, String... values) {
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < values.length; i += 2) {
      rows.add(RowFactory.create(values[i], values[i + 1]));
    }
    return spark()
        .createDataFrame(rows, new StructType().add(a, DataTypes.StringType).add(b, DataTypes.StringType));
  }

  @Test
  void pairwiseScoresComputedByHand() {
    // Predicted P1 = {cu:a, em:a}, P2 = {ph:a, cu:b, em:b}; true T1 = {cu:a, em:a, ph:a}, T2 = {cu:b, em:b}.
    // Predicted pairs 1 + 3 = 4, true pairs 3 + 1 = 4, both 1 + 1 = 2: precision = recall = F1 = 0.5.
    Dataset<Row> map =
        map("cu:a", "P1", "em:a", "P1", "ph:a", "P2", "cu:b", "P2", "em:b", "P2", "de:k", null);
    Dataset<Row> truth =
        pairs("node", "true_person", "cu:a", "T1", "em:a", "T1", "ph:a", "T1", "cu:b", "T2", "em:b", "T2",
            "de:k", "T1");
    Dataset<Row> households = pairs("household_id", "person_id", "H1", "T1", "H1", "T2", "H2", "T3");
    Dataset<Row> traps = spark().createDataFrame(List.of(RowFactory.create("de:k")),
        new StructType().add("node", DataTypes.StringType));

    Row q = IdentityQuality.score(map, truth, households, traps, DAY).head();

    assertThat((Long) q.getAs("identifiers_scored")).isEqualTo(5L);
    assertThat((Long) q.getAs("predicted_pairs")).isEqualTo(4L);
    assertThat((Long) q.getAs("true_pairs")).isEqualTo(4L);
    assertThat((Long) q.getAs("true_positive_pairs")).isEqualTo(2L);
    assertThat((Double) q.getAs("precision")).isEqualTo(0.5);
    assertThat((Double) q.getAs("recall")).isEqualTo(0.5);
    assertThat((Double) q.getAs("f1")).isEqualTo(0.5);
    assertThat((Long) q.getAs("persons")).isEqualTo(2L);
    assertThat((Long) q.getAs("largest_component_identifiers")).isEqualTo(3L);
    assertThat((Long) q.getAs("largest_component_persons")).isEqualTo(2L);
    assertThat((Long) q.getAs("largest_household")).isEqualTo(2L);
    assertThat((Long) q.getAs("excluded_identifiers")).isEqualTo(1L);
    assertThat((Long) q.getAs("traps_planted")).isEqualTo(1L);
    assertThat((Long) q.getAs("traps_caught")).isEqualTo(1L);
  }

  @Test
  void readsTheGeneratorsTruthWithRawValuesAndKeysThem() throws Exception {
    String secret = PrivacyConfig.DEV_KEY;
    String em = "em:" + Identifiers.key(secret, "em", "Ann.Lee+promo@gmail.com", "1");
    String cu = "cu:" + Identifiers.key(secret, "cu", "c-001", "1");
    String de = "de:" + Identifiers.key(secret, "de", "KIOSK-7", "1");
    Files.writeString(
        dir.resolve("identifiers.csv"),
        "id_type,value,person_id\nem,Ann.Lee+promo@gmail.com,T1\ncu,c-001,T1\n");
    Files.writeString(dir.resolve("households.csv"), "household_id,person_id\nH1,T1\n");
    Files.writeString(dir.resolve("traps.csv"), "id_type,value,reason\nde,KIOSK-7,store kiosk\n");

    Row q =
        new IdentityQuality(dir)
            .score(spark(), map(em, "P1", cu, "P1", de, null), secret, "1", DAY)
            .head();

    assertThat((Double) q.getAs("f1")).isEqualTo(1.0);
    assertThat((Long) q.getAs("true_positive_pairs")).isEqualTo(1L);
    assertThat((Long) q.getAs("traps_caught")).isEqualTo(1L);
  }

  @Test
  void missingTruthFileFailsWithAClearMessage() throws Exception {
    Files.writeString(dir.resolve("identifiers.csv"), "id_type,value,person_id\n");
    assertThatThrownBy(
            () -> new IdentityQuality(dir).score(spark(), map("cu:a", "P1"), "k", "1", DAY))
        .isInstanceOf(CdxException.class)
        .hasMessageStartingWith("Cannot score identity quality: " + dir.resolve("households.csv"))
        .hasMessageEndingWith("pass --truth pointing at the folder the generator wrote its truth to");
  }

  @Test
  void truthFileWithTheWrongHeaderIsNamed() throws Exception {
    Files.writeString(dir.resolve("identifiers.csv"), "type,value,person\n");
    assertThatThrownBy(
            () -> new IdentityQuality(dir).score(spark(), map("cu:a", "P1"), "k", "1", DAY))
        .isInstanceOf(CdxException.class)
        .hasMessageContaining("identifiers.csv has no column 'id_type' (header: type,value,person)");
  }
}
