package org.customerdynamics.testing;

import java.sql.Date;
import java.sql.Timestamp;
import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.refine.RefineJob;

/**
 * Readable builder of silver.interactions rows (the docs/tables.md contract, plus refine's
 * landing_date) for identity and journey tests:
 * {@code event("e1").at("2026-01-05T10:00").web().type("page_view").id("cu", "c1")}. Identifier keys are
 * given as they would be after refine (already pseudonyms), e.g. {@code id("em", "x")}.
 */
public final class SilverInteractions {
  public static final StructType SCHEMA =
      new StructType()
          .add("event_id", DataTypes.StringType)
          .add("event_time", DataTypes.TimestampType)
          .add("event_date", DataTypes.DateType)
          .add("source", DataTypes.StringType)
          .add("channel", DataTypes.StringType)
          .add("event_type", DataTypes.StringType)
          .add("customer_key", DataTypes.StringType)
          .add("anonymous_key", DataTypes.StringType)
          .add("device_key", DataTypes.StringType)
          .add("email_key", DataTypes.StringType)
          .add("phone_key", DataTypes.StringType)
          .add("loyalty_key", DataTypes.StringType)
          .add("social_key", DataTypes.StringType)
          .add("counterpart_customer_key", DataTypes.StringType)
          .add("counterpart_email_key", DataTypes.StringType)
          .add("counterpart_social_key", DataTypes.StringType)
          .add("product_id", DataTypes.StringType)
          .add("category", DataTypes.StringType)
          .add("amount", DataTypes.DoubleType)
          .add("currency", DataTypes.StringType)
          .add("text", DataTypes.StringType)
          .add("rating", DataTypes.IntegerType)
          .add("agent_id", DataTypes.StringType)
          .add("properties", DataTypes.createMapType(DataTypes.StringType, DataTypes.StringType))
          .add("actor_key", DataTypes.StringType)
          .add("session_id", DataTypes.StringType)
          .add("person_id", DataTypes.StringType)
          .add("landing_date", DataTypes.DateType);

  private static final Map<String, String> COLUMNS =
      Map.of(
          "cu", "customer_key",
          "an", "anonymous_key",
          "de", "device_key",
          "em", "email_key",
          "ph", "phone_key",
          "lo", "loyalty_key",
          "so", "social_key");
  private static final List<String> ACTOR_ORDER = List.of("cu", "lo", "em", "ph", "de", "an", "so");

  /** The contract's columns of the given names, in the order given (for fixtures that need fewer). */
  public static StructType columns(String... names) {
    StructType picked = new StructType();
    for (String name : names) {
      picked = picked.add(SCHEMA.apply(name));
    }
    return picked;
  }

  private SilverInteractions() {}

  public static Event event(String id) {
    return new Event(id);
  }

  /** One interaction; unset columns are null. */
  public static final class Event {
    private final Map<String, Object> values = new HashMap<>();

    Event(String id) {
      values.put("event_id", id);
      values.put("source", "test");
      values.put("channel", "web");
      values.put("event_type", "page_view");
    }

    /** Event time in UTC, e.g. {@code 2026-01-05T10:00}; sets event_date too. */
    public Event at(String isoDateTime) {
      LocalDateTime t = LocalDateTime.parse(isoDateTime);
      values.put("event_time", Timestamp.valueOf(t));
      values.put("event_date", Date.valueOf(t.toLocalDate()));
      return this;
    }

    /** The date refine landed it (default: its event date); a later one makes it a late event. */
    public Event landed(String isoDate) {
      values.put("landing_date", Date.valueOf(isoDate));
      return this;
    }

    public Event channel(String channel) {
      values.put("channel", channel);
      return this;
    }

    public Event type(String eventType) {
      values.put("event_type", eventType);
      return this;
    }

    /** An identifier of a type (cu, an, de, em, ph, lo, so) given by its key. */
    public Event id(String type, String key) {
      values.put(COLUMNS.get(type), key);
      return this;
    }

    public Event person(String personId) {
      values.put("person_id", personId);
      return this;
    }

    public Event amount(double amount) {
      values.put("amount", amount);
      return this;
    }

    public Event rating(int rating) {
      values.put("rating", rating);
      return this;
    }

    public Event text(String text) {
      values.put("text", text);
      return this;
    }

    public Event agent(String agentId) {
      values.put("agent_id", agentId);
      return this;
    }

    Row row() {
      if (!values.containsKey("actor_key")) {
        for (String type : ACTOR_ORDER) {
          Object key = values.get(COLUMNS.get(type));
          if (key != null) {
            values.put("actor_key", type + ":" + key);
            break;
          }
        }
      }
      values.putIfAbsent("landing_date", values.get("event_date"));
      Object[] cells = new Object[SCHEMA.size()];
      for (int i = 0; i < cells.length; i++) {
        cells[i] = values.get(SCHEMA.fields()[i].name());
      }
      if (cells[SCHEMA.fieldIndex("properties")] == null) {
        cells[SCHEMA.fieldIndex("properties")] = Map.of();
      }
      return RowFactory.create(cells);
    }
  }

  public static Dataset<Row> frame(SparkSession spark, List<Event> events) {
    List<Row> rows = new ArrayList<>();
    for (Event e : events) {
      rows.add(e.row());
    }
    return spark.createDataFrame(rows, SCHEMA);
  }

  /**
   * Appends the events to silver.interactions (partitioned by event_date, with deletion vectors, as
   * refine creates it).
   */
  public static void append(Lakehouse lakehouse, Event... events) {
    org.customerdynamics.common.Commits.ensureTable(
        lakehouse, RefineJob.SILVER, SCHEMA, RefineJob.SILVER_PROPERTIES, "event_date");
    lakehouse.append(frame(lakehouse.spark(), List.of(events)), "silver.interactions", "event_date");
  }
}
