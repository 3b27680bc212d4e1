package org.customerdynamics.social;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.customerdynamics.social.SocialFixtures.identityMap;
import static org.customerdynamics.social.SocialFixtures.sorted;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.Identifiers;
import org.customerdynamics.common.config.PrivacyConfig;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Scoring against a tiny hand-made ground truth. */
class SocialScoringTest extends SparkTestBase {
  @BeforeAll
  static void session(@TempDir Path dir) {
    lakehouse(config(dir));
  }

  private static Dataset<Row> strings(String columns, String... rows) {
    StructType schema = new StructType();
    for (String c : columns.split(",")) {
      schema = schema.add(c, DataTypes.StringType);
    }
    List<Row> out = new ArrayList<>();
    for (String r : rows) {
      out.add(RowFactory.create((Object[]) r.split(",", -1)));
    }
    return spark().createDataFrame(out, schema);
  }

  private static double nmi(String... pairs) {
    return SocialScoring.nmi(strings("truth_label,found_label", pairs)).first().getDouble(3);
  }

  @Test
  void nmiIsOneForTheSamePartitionUnderOtherNames() {
    assertThat(nmi("A,x", "A,x", "B,y", "B,y", "C,z")).isCloseTo(1.0, within(1e-12));
  }

  @Test
  void nmiIsZeroForIndependentPartitions() {
    assertThat(nmi("A,x", "A,y", "B,x", "B,y")).isCloseTo(0.0, within(1e-12));
    assertThat(nmi("A,x", "A,x", "B,x", "B,x")).isCloseTo(0.0, within(1e-12));
  }

  @Test
  void nmiMatchesTheFormulaOnAnUnevenCase() {
    // truth A A B B, found x x x y.
    double i = 0.5 * Math.log(4.0 / 3) + 0.25 * Math.log(2.0 / 3) + 0.25 * Math.log(2);
    double ht = Math.log(2);
    double hf = -(0.75 * Math.log(0.75) + 0.25 * Math.log(0.25));
    assertThat(nmi("A,x", "A,x", "B,x", "B,y")).isCloseTo(2 * i / (ht + hf), within(1e-12));
    assertThat(SocialScoring.nmi(strings("truth_label,found_label", "A,x", "A,x", "B,x", "B,y")).first().toString())
        .startsWith("[4,2,2,");
  }

  private static Dataset<Row> keyedTruth() {
    return strings(
        "identifier,truth_person_id",
        "so:x1,T1",
        "em:y1,T1",
        "so:x2,T2",
        "em:y2,T2",
        "so:x3,T3",
        "em:y3,T3",
        "cu:z3,T3",
        "so:x4,T4",
        "so:x6,T6");
  }

  private static Dataset<Row> map() {
    return identityMap(
        spark(),
        Map.of(
            "so:x1", "P1", "em:y1", "P1", "so:x2", "P2", "em:y2", "P9", "so:x3", "P3", "em:y3",
            "P7", "cu:z3", "P7", "so:x4", "P4"));
  }

  @Test
  void truthPersonsMapToTheMajorityOfTheirIdentifiers() {
    assertThat(sorted(SocialScoring.mapPersons(keyedTruth(), map())))
        .containsExactly("[T1,P1,2]", "[T2,P2,1]", "[T3,P7,2]", "[T4,P4,1]");
  }

  @Test
  void truthIdentifiersAreKeyedLikeRefine() {
    Identifiers.register(spark(), PrivacyConfig.DEV_KEY, "1");
    Dataset<Row> keyed =
        SocialScoring.keyIdentifiers(
            strings("id_type,value,person_id", "so,@Alice,T1", "EM,Bob.Smith+x@gmail.com,T2"));
    assertThat(sorted(keyed))
        .containsExactly(
            "[em:" + Identifiers.key(PrivacyConfig.DEV_KEY, "em", "bobsmith@gmail.com", "1") + ",T2]",
            "[so:" + Identifiers.key(PrivacyConfig.DEV_KEY, "so", "alice", "1") + ",T1]");
  }

  @Test
  void communityAndInfluencerRecoveryAreScoredOverTheGraph() {
    Dataset<Row> truthPersons =
        strings(
            "person_id,is_customer,community_id,is_influencer,is_churner,is_niche,household_id",
            "T1,true,A,true,false,false,",
            "T2,false,A,false,false,false,",
            "T3,true,B,false,false,false,",
            "T4,true,B,true,false,false,",
            "T6,false,B,true,false,false,");
    Dataset<Row> mapping = SocialScoring.mapPersons(keyedTruth(), map());
    Dataset<Row> communities =
        strings("person_id,community_id", "P1,P1", "P2,P1", "P7,P4", "P4,P4");
    assertThat(SocialScoring.communityRecovery(truthPersons, mapping, communities).first().toString())
        .isEqualTo("[4,2,2,1.0]");
    Dataset<Row> influence =
        spark()
            .createDataFrame(
                List.of(
                    RowFactory.create("P1", 1.0),
                    RowFactory.create("P2", 0.0),
                    RowFactory.create("P4", 0.5),
                    RowFactory.create("P7", 0.9)),
                new StructType()
                    .add("person_id", DataTypes.StringType)
                    .add("pagerank_percentile", DataTypes.DoubleType));
    Row hits = SocialScoring.influencerRecovery(truthPersons, mapping, influence, 0.05).first();
    assertThat(hits.getLong(0)).isEqualTo(3);
    assertThat(hits.getLong(1)).isEqualTo(2);
    assertThat(hits.getLong(2)).isEqualTo(1);
    assertThat(hits.getDouble(3)).isCloseTo(1.0 / 3, within(1e-12));
  }
}
