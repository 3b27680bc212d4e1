package org.customerdynamics.refine;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.concat_ws;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.last;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.lower;
import static org.apache.spark.sql.functions.map;
import static org.apache.spark.sql.functions.map_concat;
import static org.apache.spark.sql.functions.map_filter;
import static org.apache.spark.sql.functions.regexp_replace;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.transform_values;
import static org.apache.spark.sql.functions.trim;
import static org.apache.spark.sql.functions.when;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.apache.spark.sql.types.DataTypes;
import org.customerdynamics.common.Identifiers;
import org.customerdynamics.ingest.Canonical;

/**
 * Pure transforms of refine: bronze rows → silver interactions (docs/tables.md). Pseudonymisation
 * calls {@code cdx_key}, which {@link Identifiers#register} must have registered in the session.
 */
public final class RefineTransforms {
  private RefineTransforms() {}

  /** E-mail addresses inside free text. */
  public static final String EMAIL_PATTERN = "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\\.[A-Za-z0-9-]+)+";

  /** Phone numbers inside free text: international (+ or 00) or North-American shaped. */
  public static final String PHONE_PATTERN =
      "(\\+|\\b00)\\d[\\d ().-]{5,}\\d|\\(?\\b\\d{3}\\)?[ .-]?\\d{3}[ .-]?\\d{4}\\b";

  /** Silver columns in order (the contract of docs/tables.md, plus dedup_key and landing_date). */
  public static final List<String> SILVER_COLUMNS =
      List.of(
          "event_id", "event_time", "event_date", "source", "channel", "event_type",
          "customer_key", "anonymous_key", "device_key", "email_key", "phone_key", "loyalty_key",
          "social_key", "counterpart_customer_key", "counterpart_email_key", "counterpart_social_key",
          "product_id", "category", "amount", "currency", "text", "rating", "agent_id", "properties",
          "actor_key", "session_id", "person_id", "dedup_key", "landing_date");

  /** The event types that change an identifier's consent ({@link #consent}). */
  public static final List<String> CONSENT_EVENTS = List.of("consent_change", "unsubscribe");

  /** An event's date, the partition of silver: the date of its time in the session's time zone. */
  public static Column eventDate(Column eventTime) {
    return to_date(eventTime);
  }

  /**
   * Bronze rows → silver rows without sessions: {@code event_id} becomes {@code <source>:<raw id>},
   * channel and event type are lower-cased and checked against the taxonomy (unknown values become
   * {@code other}, the raw value kept in properties as {@code raw_channel}/{@code raw_event_type}),
   * identifiers become keyed pseudonyms (raw values dropped), e-mail addresses and phone numbers in
   * text and properties are masked, and {@code actor_key} and {@code dedup_key} are derived.
   * {@code session_id} and {@code person_id} are null.
   */
  public static Dataset<Row> refine(Dataset<Row> bronze) {
    require(bronze, "event_id", "event_time", "source", "channel", "event_type", "properties", "landing_date");
    for (String id : Canonical.IDENTIFIERS) {
      require(bronze, id);
    }
    Column channel = lower(trim(col("channel")));
    Column eventType = lower(trim(col("event_type")));
    Column knownChannel = channel.isin(Canonical.CHANNELS.toArray());
    Column knownType = eventType.isin(Canonical.EVENT_TYPES.toArray());
    Column props =
        map_concat(
            transform_values(coalesce(col("properties"), emptyMap()), (k, v) -> mask(v)),
            map_filter(
                map(
                    lit("raw_channel"), when(knownChannel.unary_$bang(), col("channel")),
                    lit("raw_event_type"), when(knownType.unary_$bang(), col("event_type"))),
                (k, v) -> v.isNotNull()));
    Column customer = key("cu", col("customer_id"));
    Column anonymous = key("an", col("anonymous_id"));
    Column device = key("de", col("device_id"));
    Column email = key("em", col("email"));
    Column phone = key("ph", col("phone"));
    Column loyalty = key("lo", col("loyalty_id"));
    Column social = key("so", col("social_handle"));
    Dataset<Row> keyed =
        bronze.select(
            concat(col("source"), lit(":"), col("event_id")).as("event_id"),
            col("event_time"),
            eventDate(col("event_time")).as("event_date"),
            col("source"),
            when(knownChannel, channel).otherwise(lit("other")).as("channel"),
            when(knownType, eventType).otherwise(lit("other")).as("event_type"),
            customer.as("customer_key"),
            anonymous.as("anonymous_key"),
            device.as("device_key"),
            email.as("email_key"),
            phone.as("phone_key"),
            loyalty.as("loyalty_key"),
            social.as("social_key"),
            key("cu", col("counterpart_customer_id")).as("counterpart_customer_key"),
            key("em", col("counterpart_email")).as("counterpart_email_key"),
            key("so", col("counterpart_social_handle")).as("counterpart_social_key"),
            col("product_id"),
            col("category"),
            col("amount"),
            col("currency"),
            mask(col("text")).as("text"),
            col("rating"),
            col("agent_id"),
            props.as("properties"),
            col("landing_date"));
    Column actor =
        coalesce(
            concat(lit("cu:"), col("customer_key")),
            concat(lit("lo:"), col("loyalty_key")),
            concat(lit("em:"), col("email_key")),
            concat(lit("ph:"), col("phone_key")),
            concat(lit("de:"), col("device_key")),
            concat(lit("an:"), col("anonymous_key")),
            concat(lit("so:"), col("social_key")));
    Dataset<Row> withActor = keyed.withColumn("actor_key", actor);
    Column dedupKey =
        substring(
            sha2(
                concat_ws(
                    "|",
                    coalesce(col("actor_key"), col("event_id")),
                    col("event_type"),
                    col("event_time").cast("string"),
                    coalesce(col("product_id"), lit("")),
                    coalesce(col("amount").cast("string"), lit("")),
                    coalesce(col("text"), lit(""))),
                256),
            1,
            32);
    return withActor
        .withColumn("dedup_key", dedupKey)
        .withColumn("session_id", lit(null).cast(DataTypes.StringType))
        .withColumn("person_id", lit(null).cast(DataTypes.StringType))
        .select(SILVER_COLUMNS.stream().map(c -> col(c)).toArray(Column[]::new));
  }

  /**
   * Keeps one row per {@code dedup_key} (the same actor, event type, time, product, amount and text,
   * whichever source reported it): the first by source, then event id. The key is a hash over the
   * actor (or, without one, the event id), so rows that share it share {@code actor_key}: the groups
   * are taken within an actor, and rows already partitioned by actor, as {@link #sessions} needs
   * them, are deduplicated without moving.
   */
  public static Dataset<Row> dedup(Dataset<Row> rows) {
    require(rows, "dedup_key", "actor_key", "source", "event_id");
    WindowSpec w = Window.partitionBy(col("actor_key"), col("dedup_key")).orderBy(col("source"), col("event_id"));
    return rows.withColumn("_rn", row_number().over(w))
        .filter(col("_rn").equalTo(1))
        .select(SILVER_COLUMNS.stream().map(c -> col(c)).toArray(Column[]::new));
  }

  /**
   * Sessions: per {@code actor_key}, events ordered by time; a gap longer than {@code gapMinutes}
   * starts a new session. {@code session_id} is derived from the actor and the session's first event
   * time, so recomputing over the same events gives the same ids. Rows without an actor get none.
   */
  public static Dataset<Row> sessions(Dataset<Row> rows, int gapMinutes) {
    require(rows, "actor_key", "event_time", "event_id", "session_id");
    WindowSpec byActor = Window.partitionBy(col("actor_key")).orderBy(col("event_time"), col("event_id"));
    Column previous = lag(col("event_time"), 1).over(byActor);
    Column gapSeconds = col("event_time").cast("long").minus(previous.cast("long"));
    Dataset<Row> marked =
        rows.withColumn(
            "_start",
            when(previous.isNull().or(gapSeconds.gt(gapMinutes * 60L)), col("event_time")));
    WindowSpec upTo = byActor.rowsBetween(Window.unboundedPreceding(), Window.currentRow());
    Column sessionStart = last(col("_start"), true).over(upTo);
    List<Column> out = new ArrayList<>();
    for (String c : rows.columns()) {
      if (c.equals("session_id")) {
        out.add(
            when(
                    col("actor_key").isNotNull(),
                    substring(sha2(concat(col("actor_key"), lit("|"), sessionStart.cast("string")), 256), 1, 32))
                .as("session_id"));
      } else {
        out.add(col(c));
      }
    }
    return marked.select(out.toArray(Column[]::new));
  }

  /**
   * Consent state per identifier from consent events: {@code consent_change} sets marketing consent
   * from {@code properties['consent_marketing']} (yes/no), {@code unsubscribe} withdraws it and marks
   * the identifier unsubscribed; the latest event per identifier wins. Output: {@code identifier}
   * ({@code <type>:<key>}), {@code marketing_consent}, {@code unsubscribed}, {@code event_type},
   * {@code event_time}, {@code event_id}.
   */
  public static Dataset<Row> consent(Dataset<Row> silver) {
    require(silver, "event_type", "properties", "customer_key", "email_key", "phone_key", "event_time", "event_id");
    Column consentValue = lower(trim(element_at(col("properties"), lit("consent_marketing"))));
    Dataset<Row> events =
        silver
            .filter(col("event_type").isin(CONSENT_EVENTS.toArray()))
            .select(
                explode(
                        filter(
                            array(
                                concat(lit("cu:"), col("customer_key")),
                                concat(lit("em:"), col("email_key")),
                                concat(lit("ph:"), col("phone_key"))),
                            x -> x.isNotNull()))
                    .as("identifier"),
                when(col("event_type").equalTo("unsubscribe"), lit(false))
                    .otherwise(consentValue.isin("yes", "y", "true", "1", "opt-in", "opt_in"))
                    .as("marketing_consent"),
                col("event_type").equalTo("unsubscribe").as("unsubscribed"),
                col("event_type"),
                col("event_time"),
                col("event_id"));
    WindowSpec latest = Window.partitionBy(col("identifier")).orderBy(col("event_time").desc(), col("event_id").desc());
    return events
        .withColumn("_rn", row_number().over(latest))
        .filter(col("_rn").equalTo(1))
        .select("identifier", "marketing_consent", "unsubscribed", "event_type", "event_time", "event_id");
  }

  /** Masks e-mail addresses and phone numbers in free text. */
  public static Column mask(Column text) {
    return regexp_replace(regexp_replace(text, EMAIL_PATTERN, "[email]"), PHONE_PATTERN, "[phone]");
  }

  private static Column key(String type, Column raw) {
    return Identifiers.keyColumn(type, raw);
  }

  private static Column emptyMap() {
    return org.apache.spark.sql.functions.expr("cast(map() as map<string,string>)");
  }

  static void require(Dataset<Row> df, String... columns) {
    Set<String> have = Set.of(df.columns());
    for (String c : columns) {
      if (!have.contains(c)) {
        throw new IllegalArgumentException("input lacks column '" + c + "'; has " + have);
      }
    }
  }
}
