package org.customerdynamics.erase;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.CdxException;
import org.junit.jupiter.api.Test;

/** Which columns erase touches, chosen by name and type; a personal-looking column without a rule stops it. */
class ErasureRulesTest {
  @Test
  void aPersonTableDeletesByPersonAndRenamesOrDropsCommunitiesByRunDate() {
    StructType schema =
        new StructType()
            .add("run_date", DataTypes.DateType)
            .add("person_id", DataTypes.StringType)
            .add("community_id", DataTypes.StringType)
            .add("pagerank", DataTypes.DoubleType);
    ErasureRules.Plan plan = ErasureRules.plan("gold.graph_features", schema);
    assertThat(plan.personalColumns()).containsExactly("person_id", "community_id");
    assertThat(plan.deleteWhen()).contains("array_contains(e.persons, t.`person_id`)").contains("cast(t.`run_date` AS STRING)");
    assertThat(plan.updates()).containsOnlyKeys("community_id");
  }

  @Test
  void counterpartsAreBlankedAndAdvocatesFiltered() {
    StructType schema =
        new StructType()
            .add("counterpart_email_key", DataTypes.StringType)
            .add("advocates", DataTypes.createArrayType(DataTypes.StringType))
            .add("size", DataTypes.LongType);
    ErasureRules.Plan plan = ErasureRules.plan("gold.x", schema);
    assertThat(plan.deleteWhen()).isNull();
    assertThat(plan.updates()).containsOnlyKeys("counterpart_email_key", "advocates");
    assertThat(plan.updates().get("advocates")).contains("array_except(t.`advocates`, e.persons)");
  }

  @Test
  void aTableWithoutPersonalColumnsIsLeftAlone() {
    StructType schema =
        new StructType().add("kpi_date", DataTypes.DateType).add("channel", DataTypes.StringType).add("events", DataTypes.LongType);
    assertThat(ErasureRules.plan("reporting.daily_kpis", schema).touchesNothing()).isTrue();
  }

  @Test
  void aPersonalLookingColumnWithoutARuleStopsTheErasure() {
    StructType schema = new StructType().add("person_id", DataTypes.StringType).add("home_email", DataTypes.StringType);
    assertThatThrownBy(() -> ErasureRules.plan("gold.new_table", schema))
        .isInstanceOf(CdxException.class)
        .hasMessage(
            "Cannot erase from gold.new_table: column home_email (string) looks personal and no erasure rule"
                + " covers it; add a rule to ErasureRules");
  }

  @Test
  void aColumnDerivedFromAPersonNeedsARowRule() {
    StructType schema = new StructType().add("session_id", DataTypes.StringType).add("events", DataTypes.LongType);
    assertThatThrownBy(() -> ErasureRules.plan("gold.sessions_copy", schema))
        .isInstanceOf(CdxException.class)
        .hasMessageContaining("columns [session_id] derive from a person");
  }
}
