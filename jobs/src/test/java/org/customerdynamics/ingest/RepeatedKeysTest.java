package org.customerdynamics.ingest;

import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.xxhash64;
import static org.assertj.core.api.Assertions.assertThat;

import java.sql.Date;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;

/**
 * {@link IngestTransforms#repeatedKeys}: the keys counted by hash first, then by the key itself, give
 * the keys that occur more than once among valid records or are in bronze, each with its first
 * occurrence; a hash that matches a key occurring once (as a collision would) adds no key.
 */
class RepeatedKeysTest extends SparkTestBase {
  private static final StructType VALIDATED =
      new StructType()
          .add("source", DataTypes.StringType)
          .add("event_id", DataTypes.StringType)
          .add("landing_date", DataTypes.DateType)
          .add("source_file", DataTypes.StringType)
          .add("line_number", DataTypes.LongType)
          .add("record_hash", DataTypes.LongType)
          .add("reason", DataTypes.StringType);

  private static final StructType EXISTING =
      new StructType()
          .add("source", DataTypes.StringType)
          .add("event_id", DataTypes.StringType)
          .add("record_hash", DataTypes.LongType)
          .add("source_file", DataTypes.StringType)
          .add("line_number", DataTypes.LongType);

  private Dataset<Row> validated() {
    List<Row> rows = new ArrayList<>();
    rows.add(RowFactory.create("web", "A", Date.valueOf("2026-01-02"), "web/2026-01-02/a.jsonl", 5L, 11L, null));
    rows.add(RowFactory.create("web", "A", Date.valueOf("2026-01-01"), "web/2026-01-01/b.jsonl", 9L, 12L, null));
    // Earlier, but invalid: not an occurrence.
    rows.add(RowFactory.create("web", "A", Date.valueOf("2026-01-01"), "web/2026-01-01/b.jsonl", 3L, 13L, "bad_timestamp"));
    rows.add(RowFactory.create("web", "A", Date.valueOf("2026-01-01"), "web/2026-01-01/c.jsonl", 1L, 14L, null));
    rows.add(RowFactory.create("web", "B", Date.valueOf("2026-01-01"), "web/2026-01-01/b.jsonl", 10L, 15L, null));
    // The same event id from another source is another key.
    rows.add(RowFactory.create("app", "A", Date.valueOf("2026-01-01"), "app/2026-01-01/a.jsonl", 1L, 16L, null));
    // Invalid twice: never a key.
    rows.add(RowFactory.create("web", "C", Date.valueOf("2026-01-01"), "web/2026-01-01/b.jsonl", 11L, 17L, "wrong_type"));
    rows.add(RowFactory.create("web", "C", Date.valueOf("2026-01-01"), "web/2026-01-01/b.jsonl", 12L, 17L, "wrong_type"));
    return spark().createDataFrame(rows, VALIDATED);
  }

  private static List<String> show(Dataset<Row> keys) {
    List<String> out = new ArrayList<>();
    for (Row r : keys.orderBy("_k_source", "_k_id").collectAsList()) {
      out.add(
          r.getAs("_k_source") + "/" + r.getAs("_k_id") + " first " + r.getAs("_first_date") + " "
              + r.getAs("_first_file") + ":" + r.getAs("_first_line") + " #" + r.getAs("_first_hash")
              + " bronze " + r.getAs("_ex_file") + ":" + r.getAs("_ex_line") + " #" + r.getAs("_ex_hash"));
    }
    return out;
  }

  @Test
  void keysRepeatedAmongValidRecordsWithTheirFirstOccurrence() {
    assertThat(show(IngestTransforms.repeatedKeys(validated(), null)))
        .containsExactly("web/A first 2026-01-01 web/2026-01-01/b.jsonl:9 #12 bronze null:null #null");
  }

  @Test
  void aKeyInBronzeIsRepeatedEvenWhenTheBatchHasItOnce() {
    List<Row> bronze = new ArrayList<>();
    bronze.add(RowFactory.create("app", "A", 40L, "app/2025-12-31/z.jsonl", 7L));
    bronze.add(RowFactory.create("web", "Z", 41L, "web/2025-12-31/z.jsonl", 8L));
    Dataset<Row> existing = spark().createDataFrame(bronze, EXISTING);
    assertThat(show(IngestTransforms.repeatedKeys(validated(), existing)))
        .containsExactly(
            "app/A first 2026-01-01 app/2026-01-01/a.jsonl:1 #16 bronze app/2025-12-31/z.jsonl:7 #40",
            "web/A first 2026-01-01 web/2026-01-01/b.jsonl:9 #12 bronze null:null #null");
  }

  @Test
  void aCandidateHashOfAKeyThatOccursOnceAddsNoKey() {
    Dataset<Row> v = validated();
    Dataset<Row> candidates = IngestTransforms.candidateKeys(v, null);
    assertThat(candidates.count()).isEqualTo(1);
    // As if web/B's hash collided with a repeated key's.
    Dataset<Row> collided =
        candidates.unionByName(
            spark()
                .range(1)
                .select(
                    xxhash64(lit("web"), lit("B")).as("_c_hash"),
                    lit(null).cast(DataTypes.StringType).as("_ex_source"),
                    lit(null).cast(DataTypes.StringType).as("_ex_id"),
                    lit(null).cast(candidates.schema().apply("_ex").dataType()).as("_ex")));
    assertThat(show(IngestTransforms.firstOccurrences(v, collided)))
        .containsExactly("web/A first 2026-01-01 web/2026-01-01/b.jsonl:9 #12 bronze null:null #null");
    // The added hash is web/B's: the records it selects for counting are web/B's one record.
    long webB = spark().range(1).select(xxhash64(lit("web"), lit("B"))).first().getLong(0);
    assertThat(v.filter(col("reason").isNull().and(xxhash64(col("source"), col("event_id")).equalTo(webB))).count())
        .isEqualTo(1);
  }
}
