package org.customerdynamics.social;

import java.sql.Date;
import java.sql.Timestamp;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.testing.SilverInteractions;

/** Readable row builders for the inputs of the social job (silver.interactions, identity map, edges). */
final class SocialFixtures {
  private SocialFixtures() {}

  /** The silver.interactions contract (docs/tables.md). */
  static final StructType INTERACTIONS = SilverInteractions.SCHEMA;

  /** One silver interaction; unset fields are null. */
  static final class Event {
    private final Object[] values = new Object[INTERACTIONS.size()];

    Event(String id, String type, String time) {
      set("event_id", id);
      set("event_type", type);
      Instant at = Instant.parse(time);
      set("event_time", Timestamp.from(at));
      set("event_date", Date.valueOf(at.atZone(java.time.ZoneOffset.UTC).toLocalDate()));
      set("source", "test");
      set("channel", "social");
      set("properties", scala.collection.immutable.Map$.MODULE$.empty());
    }

    private Event set(String column, Object value) {
      values[INTERACTIONS.fieldIndex(column)] = value;
      return this;
    }

    /** The acting person: stamped person_id and actor_key. */
    Event by(String personId, String actorKey) {
      return set("person_id", personId).set("actor_key", actorKey);
    }

    Event customerKey(String key) {
      return set("customer_key", key);
    }

    Event toSocial(String key) {
      return set("counterpart_social_key", key);
    }

    Event toEmail(String key) {
      return set("counterpart_email_key", key);
    }

    Event toCustomer(String key) {
      return set("counterpart_customer_key", key);
    }

    Event product(String productId, String category) {
      return set("product_id", productId).set("category", category);
    }

    Event rating(int rating) {
      return set("rating", rating);
    }

    Row row() {
      return RowFactory.create(values.clone());
    }
  }

  static Event event(String id, String type, String time) {
    return new Event(id, type, time);
  }

  static Dataset<Row> interactions(SparkSession spark, Event... events) {
    List<Row> rows = new ArrayList<>();
    for (Event e : events) {
      rows.add(e.row());
    }
    return spark.createDataFrame(rows, INTERACTIONS);
  }

  /** silver.identity_map from {@code identifier -> person_id} pairs. */
  static Dataset<Row> identityMap(SparkSession spark, Map<String, String> entries) {
    List<Row> rows = new ArrayList<>();
    entries.forEach((identifier, person) -> rows.add(RowFactory.create(identifier, person)));
    return spark.createDataFrame(
        rows,
        new StructType()
            .add("identifier", DataTypes.StringType)
            .add("person_id", DataTypes.StringType));
  }

  /** Directed edges {@code src, dst, weight} from "a>b" or "a>b:2.5" strings. */
  static Dataset<Row> edges(SparkSession spark, String... specs) {
    List<Row> rows = new ArrayList<>();
    for (String spec : specs) {
      String[] parts = spec.split(":");
      String[] ends = parts[0].split(">");
      double weight = parts.length > 1 ? Double.parseDouble(parts[1]) : 1.0;
      rows.add(RowFactory.create(ends[0], ends[1], weight));
    }
    return spark.createDataFrame(
        rows,
        new StructType()
            .add("src", DataTypes.StringType)
            .add("dst", DataTypes.StringType)
            .add("weight", DataTypes.DoubleType));
  }

  /** Both directions of every pair among {@code names}. */
  static List<String> clique(String... names) {
    List<String> out = new ArrayList<>();
    for (String a : names) {
      for (String b : names) {
        if (!a.equals(b)) {
          out.add(a + ">" + b);
        }
      }
    }
    return out;
  }

  static String[] concat(List<String> a, String... more) {
    List<String> all = new ArrayList<>(a);
    all.addAll(Arrays.asList(more));
    return all.toArray(new String[0]);
  }

  /** Rows as strings, sorted, for comparisons. */
  static List<String> sorted(Dataset<Row> data) {
    return data.collectAsList().stream().map(Row::toString).sorted().toList();
  }
}
