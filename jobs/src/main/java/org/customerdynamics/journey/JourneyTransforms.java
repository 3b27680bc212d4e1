package org.customerdynamics.journey;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.array_join;
import static org.apache.spark.sql.functions.array_sort;
import static org.apache.spark.sql.functions.avg;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.collect_list;
import static org.apache.spark.sql.functions.collect_set;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.countDistinct;
import static org.apache.spark.sql.functions.date_format;
import static org.apache.spark.sql.functions.datediff;
import static org.apache.spark.sql.functions.element_at;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.first;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.lag;
import static org.apache.spark.sql.functions.lead;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.max_by;
import static org.apache.spark.sql.functions.median;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sequence;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.slice;
import static org.apache.spark.sql.functions.sort_array;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.sum;
import static org.apache.spark.sql.functions.to_date;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.unix_timestamp;
import static org.apache.spark.sql.functions.when;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.customerdynamics.common.CdxException;

/**
 * Journeys as pure Dataset transforms (no I/O). A <em>touchpoint</em> is one interaction of a
 * resolved person; a <em>visit</em> is a run of consecutive touchpoints of one person in one channel
 * (web, web, email, web gives the visits web, email, web). Transitions, paths, hand-offs and
 * attribution are computed over visits, so that ten page views do not read as ten web → web steps.
 */
public final class JourneyTransforms {
  /** Event types that are a contact with customer service. */
  public static final List<String> SUPPORT_TYPES = List.of("support_contact", "complaint");

  /** Event types that carry a rating of the experience. */
  public static final List<String> RATED_TYPES = List.of("feedback", "review", "survey");

  private JourneyTransforms() {}

  static void require(Dataset<Row> data, String what, String... columns) {
    List<String> have = Arrays.asList(data.columns());
    List<String> missing = new ArrayList<>();
    for (String c : columns) {
      if (!have.contains(c)) {
        missing.add(c);
      }
    }
    if (!missing.isEmpty()) {
      throw new CdxException(
          "Cannot build journeys: " + what + " lacks columns " + missing + "; see docs/tables.md");
    }
  }

  private static Column seconds(Column later, Column earlier) {
    return unix_timestamp(later).minus(unix_timestamp(earlier));
  }

  /**
   * The interactions of resolved persons, numbered in time order per person.
   *
   * @param interactions silver.interactions (person_id stamped by identity)
   * @return {@code person_id}, {@code touch_no}, {@code event_id}, {@code event_time}, {@code
   *     event_date}, {@code channel}, {@code event_type}, {@code amount}, {@code rating}, {@code
   *     agent_id}
   */
  public static Dataset<Row> touchpoints(Dataset<Row> interactions) {
    require(
        interactions,
        "silver.interactions",
        "person_id", "event_id", "event_time", "event_date", "channel", "event_type", "amount",
        "rating", "agent_id");
    return interactions
        .filter(col("person_id").isNotNull())
        .withColumn(
            "touch_no",
            row_number().over(Window.partitionBy("person_id").orderBy(col("event_time"), col("event_id"))))
        .select(
            "person_id", "touch_no", "event_id", "event_time", "event_date", "channel", "event_type",
            "amount", "rating", "agent_id");
  }

  /**
   * Sessions: touchpoints of one person, across channels, with no gap longer than {@code gapMinutes}.
   *
   * @return {@code session_id} ({@code <person_id>-<yyyyMMddHHmmss of start>}), {@code person_id},
   *     {@code session_date}, {@code started_at}, {@code ended_at}, {@code duration_seconds}, {@code
   *     events}, {@code channels} (sorted), {@code first_channel}, {@code last_channel}, {@code
   *     purchases}, {@code revenue}
   */
  public static Dataset<Row> sessions(Dataset<Row> touchpoints, int gapMinutes) {
    WindowSpec byPerson = Window.partitionBy("person_id").orderBy("touch_no");
    Column gap = seconds(col("event_time"), lag("event_time", 1).over(byPerson));
    Dataset<Row> numbered =
        touchpoints
            .withColumn("new_session", when(gap.isNull().or(gap.gt(gapMinutes * 60L)), 1).otherwise(0))
            .withColumn("session_no", sum("new_session").over(byPerson));
    Column isPurchase = col("event_type").equalTo("purchase");
    return numbered
        .groupBy("person_id", "session_no")
        .agg(
            min("event_time").as("started_at"),
            max("event_time").as("ended_at"),
            count(lit(1)).as("events"),
            array_sort(collect_set("channel")).as("channels"),
            min(struct(col("touch_no"), col("channel"))).getField("channel").as("first_channel"),
            max(struct(col("touch_no"), col("channel"))).getField("channel").as("last_channel"),
            sum(when(isPurchase, 1).otherwise(0)).as("purchases"),
            coalesce(sum(when(isPurchase, col("amount"))), lit(0.0)).as("revenue"))
        .select(
            concat(col("person_id"), lit("-"), date_format(col("started_at"), "yyyyMMddHHmmss")).as("session_id"),
            col("person_id"),
            to_date(col("started_at")).as("session_date"),
            col("started_at"),
            col("ended_at"),
            seconds(col("ended_at"), col("started_at")).as("duration_seconds"),
            col("events"),
            col("channels"),
            col("first_channel"),
            col("last_channel"),
            col("purchases").cast("long").as("purchases"),
            col("revenue").cast("double").as("revenue"));
  }

  /**
   * Visits: runs of consecutive touchpoints of one person in one channel.
   *
   * @return {@code person_id}, {@code visit_no}, {@code channel}, {@code started_at}, {@code
   *     ended_at}, {@code events}, {@code purchase} (a purchase happened in the visit), {@code
   *     complaint}, {@code cancel} (a subscription_cancel happened), {@code converted_at} (time of the
   *     first purchase in the visit)
   */
  public static Dataset<Row> visits(Dataset<Row> touchpoints) {
    WindowSpec byPerson = Window.partitionBy("person_id").orderBy("touch_no");
    Column changed = lag("channel", 1).over(byPerson);
    return touchpoints
        .withColumn("new_visit", when(changed.isNull().or(changed.notEqual(col("channel"))), 1).otherwise(0))
        .withColumn("visit_no", sum("new_visit").over(byPerson))
        .groupBy("person_id", "visit_no")
        .agg(
            first("channel").as("channel"),
            min("event_time").as("started_at"),
            max("event_time").as("ended_at"),
            count(lit(1)).as("events"),
            max(col("event_type").equalTo("purchase")).as("purchase"),
            max(col("event_type").equalTo("complaint")).as("complaint"),
            max(col("event_type").equalTo("subscription_cancel")).as("cancel"),
            min(when(col("event_type").equalTo("purchase"), col("event_time"))).as("converted_at"))
        .select(
            col("person_id"),
            col("visit_no").cast("int").as("visit_no"),
            col("channel"),
            col("started_at"),
            col("ended_at"),
            col("events"),
            col("purchase"),
            col("complaint"),
            col("cancel"),
            col("converted_at"));
  }

  /**
   * The channel-transition matrix: how often a person's next visit is in another channel, per month
   * (period {@code yyyy-MM} of the later visit) and over the whole window (period {@code all}).
   *
   * @return {@code period}, {@code from_channel}, {@code to_channel}, {@code transitions}, {@code
   *     probability} (share of the transitions leaving {@code from_channel} in the period)
   */
  public static Dataset<Row> transitions(Dataset<Row> visits) {
    WindowSpec byPerson = Window.partitionBy("person_id").orderBy("visit_no");
    Dataset<Row> steps =
        visits
            .withColumn("to_channel", lead("channel", 1).over(byPerson))
            .withColumn("to_started", lead("started_at", 1).over(byPerson))
            .filter(col("to_channel").isNotNull())
            .select(col("channel").as("from_channel"), col("to_channel"), date_format(col("to_started"), "yyyy-MM").as("month"));
    Dataset<Row> byPeriod =
        steps.select(col("month").as("period"), col("from_channel"), col("to_channel"))
            .union(steps.select(lit("all").as("period"), col("from_channel"), col("to_channel")))
            .groupBy("period", "from_channel", "to_channel")
            .agg(count(lit(1)).as("transitions"));
    return byPeriod
        .withColumn(
            "probability",
            col("transitions").divide(sum("transitions").over(Window.partitionBy("period", "from_channel"))))
        .select("period", "from_channel", "to_channel", "transitions", "probability");
  }

  /**
   * The most frequent paths (channels of the last {@code k} visits) leading to a purchase, a complaint
   * and churn. A path ends with the visit where the outcome happened; for churn, with a subscription
   * cancel or, for persons inactive for {@code churnInactivityDays} before the run date, their last
   * visit.
   *
   * @return {@code outcome} (purchase|complaint|churn), {@code path} ({@code web > email > store}),
   *     {@code path_length}, {@code journeys}, {@code persons}, {@code share} (of the outcome's
   *     journeys), {@code rank} (1 = most frequent; ties by path)
   */
  public static Dataset<Row> paths(
      Dataset<Row> visits, int k, LocalDate runDate, int churnInactivityDays) {
    WindowSpec byPerson = Window.partitionBy("person_id").orderBy("visit_no");
    Dataset<Row> withPath =
        visits
            .withColumn("path_channels", collect_list("channel").over(byPerson.rowsBetween(-(k - 1), 0)))
            .withColumn("last_visit", max("visit_no").over(Window.partitionBy("person_id")));
    Column inactive =
        col("visit_no").equalTo(col("last_visit"))
            .and(datediff(lit(java.sql.Date.valueOf(runDate)), to_date(col("ended_at"))).geq(churnInactivityDays));
    Dataset<Row> outcomes =
        withPath
            .select(
                col("person_id"),
                col("path_channels"),
                explode(
                        array(
                            when(col("purchase"), lit("purchase")),
                            when(col("complaint"), lit("complaint")),
                            when(col("cancel").or(inactive), lit("churn"))))
                    .as("outcome"))
            .filter(col("outcome").isNotNull());
    Dataset<Row> counted =
        outcomes
            .groupBy(col("outcome"), array_join(col("path_channels"), " > ").as("path"), size(col("path_channels")).as("path_length"))
            .agg(count(lit(1)).as("journeys"), countDistinct("person_id").as("persons"));
    return counted
        .withColumn("share", col("journeys").divide(sum("journeys").over(Window.partitionBy("outcome"))))
        .withColumn(
            "rank",
            row_number().over(Window.partitionBy("outcome").orderBy(col("journeys").desc(), col("path"))))
        .select("outcome", "path", "path_length", "journeys", "persons", "share", "rank");
  }

  /**
   * Conversion journeys: a person's visits up to and including a visit with a purchase; the visits
   * after the last purchase form an open (unconverted) journey.
   *
   * @return {@code person_id}, {@code journey_no}, {@code path} (array of channels in order), {@code
   *     converted}, {@code first_touch_at}, {@code converted_at}
   */
  public static Dataset<Row> conversionJourneys(Dataset<Row> visits) {
    WindowSpec before =
        Window.partitionBy("person_id").orderBy("visit_no").rowsBetween(Window.unboundedPreceding(), -1);
    return visits
        .withColumn("journey_no", coalesce(sum(when(col("purchase"), 1).otherwise(0)).over(before), lit(0L)))
        .groupBy("person_id", "journey_no")
        .agg(
            sort_array(collect_list(struct(col("visit_no"), col("channel")))).as("steps"),
            max("purchase").as("converted"),
            min("started_at").as("first_touch_at"),
            max("converted_at").as("converted_at"))
        .select(
            col("person_id"),
            col("journey_no").cast("int").as("journey_no"),
            transform(col("steps"), s -> s.getField("channel")).as("path"),
            col("converted"),
            col("first_touch_at"),
            col("converted_at"));
  }

  /**
   * Time to convert of each converted journey.
   *
   * @return {@code person_id}, {@code journey_no}, {@code conversion_date}, {@code first_touch_at},
   *     {@code converted_at}, {@code hours_to_convert}, {@code visits}, {@code path} ({@code web >
   *     store})
   */
  public static Dataset<Row> conversions(Dataset<Row> journeys) {
    return journeys
        .filter(col("converted"))
        .select(
            col("person_id"),
            col("journey_no"),
            to_date(col("converted_at")).as("conversion_date"),
            col("first_touch_at"),
            col("converted_at"),
            seconds(col("converted_at"), col("first_touch_at")).divide(3600.0).as("hours_to_convert"),
            size(col("path")).as("visits"),
            array_join(col("path"), " > ").as("path"));
  }

  /**
   * Markov chain transition counts over conversion journeys: {@code start → c1 → … → cn →
   * conversion|null}.
   *
   * @return {@code from_state}, {@code to_state}, {@code transitions}
   */
  public static Dataset<Row> markovTransitions(Dataset<Row> journeys) {
    Column states =
        concat(
            array(lit(MarkovAttribution.START)),
            col("path"),
            array(when(col("converted"), lit(MarkovAttribution.CONVERSION)).otherwise(lit(MarkovAttribution.NULL))));
    return journeys
        .select(states.as("states"))
        .select(
            explode(
                    transform(
                        sequence(lit(1), size(col("states")).minus(1)),
                        i -> struct(element_at(col("states"), i).as("from_state"), element_at(col("states"), i.plus(1)).as("to_state"))))
                .as("step"))
        .groupBy(col("step.from_state").as("from_state"), col("step.to_state").as("to_state"))
        .agg(count(lit(1)).as("transitions"))
        .select("from_state", "to_state", "transitions");
  }

  /**
   * Last-touch conversions by channel, shown beside the Markov attribution.
   *
   * @return {@code channel}, {@code last_touch_conversions}
   */
  public static Dataset<Row> lastTouch(Dataset<Row> journeys) {
    return journeys
        .filter(col("converted"))
        .groupBy(element_at(col("path"), -1).as("channel"))
        .agg(count(lit(1)).as("last_touch_conversions"))
        .select("channel", "last_touch_conversions");
  }

  /**
   * Cross-channel hand-offs: a visit followed, within {@code withinHours} of its end, by a visit of
   * the same person in another channel (web → call centre within a day).
   *
   * @return {@code from_channel}, {@code to_channel}, {@code handoffs}, {@code persons}, {@code
   *     median_gap_minutes} (exact median: the mean of the two middle gaps for an even count)
   */
  public static Dataset<Row> handoffs(Dataset<Row> visits, int withinHours) {
    WindowSpec byPerson = Window.partitionBy("person_id").orderBy("visit_no");
    return visits
        .withColumn("to_channel", lead("channel", 1).over(byPerson))
        .withColumn("to_started", lead("started_at", 1).over(byPerson))
        .filter(col("to_channel").isNotNull())
        .withColumn("gap_minutes", seconds(col("to_started"), col("ended_at")).divide(60.0))
        .filter(col("gap_minutes").leq(withinHours * 60.0))
        .groupBy(col("channel").as("from_channel"), col("to_channel"))
        .agg(
            count(lit(1)).as("handoffs"),
            countDistinct("person_id").as("persons"),
            median(col("gap_minutes")).as("median_gap_minutes"))
        .select("from_channel", "to_channel", "handoffs", "persons", "median_gap_minutes");
  }

  /**
   * Support journeys: a person's contacts with service (support contacts and complaints, any channel)
   * with no gap longer than {@code caseDays} form one case; the case is taken as resolved at its last
   * contact (no further contact followed within the gap).
   *
   * @return {@code case_id}, {@code person_id}, {@code started_date}, {@code started_at}, {@code
   *     resolved_at}, {@code resolution_hours}, {@code contacts}, {@code repeat_contacts}, {@code
   *     channels} (sorted), {@code agents} (sorted), {@code complaint}, {@code first_channel}
   */
  public static Dataset<Row> supportJourneys(Dataset<Row> touchpoints, int caseDays) {
    WindowSpec byPerson = Window.partitionBy("person_id").orderBy("touch_no");
    Column gap = seconds(col("event_time"), lag("event_time", 1).over(byPerson));
    return touchpoints
        .filter(col("event_type").isin(SUPPORT_TYPES.toArray()))
        .withColumn("new_case", when(gap.isNull().or(gap.gt(caseDays * 86400L)), 1).otherwise(0))
        .withColumn("case_no", sum("new_case").over(byPerson))
        .groupBy("person_id", "case_no")
        .agg(
            min("event_time").as("started_at"),
            max("event_time").as("resolved_at"),
            count(lit(1)).as("contacts"),
            array_sort(collect_set("channel")).as("channels"),
            array_sort(collect_set("agent_id")).as("agents"),
            max(col("event_type").equalTo("complaint")).as("complaint"),
            min(struct(col("touch_no"), col("channel"))).getField("channel").as("first_channel"))
        .select(
            concat(col("person_id"), lit("-"), date_format(col("started_at"), "yyyyMMddHHmmss")).as("case_id"),
            col("person_id"),
            to_date(col("started_at")).as("started_date"),
            col("started_at"),
            col("resolved_at"),
            seconds(col("resolved_at"), col("started_at")).divide(3600.0).as("resolution_hours"),
            col("contacts"),
            col("contacts").minus(1).as("repeat_contacts"),
            col("channels"),
            col("agents"),
            col("complaint"),
            col("first_channel"));
  }

  /**
   * The person profile (customer 360) as of the run date, over every interaction up to it.
   *
   * @param touchpoints output of {@link #touchpoints} (all history up to the run date)
   * @param identityMap silver.identity_map ({@code node}, {@code id_type}, {@code person_id})
   * @return {@code person_id}, {@code as_of_date}, {@code person_type} (customer|prospect), {@code
   *     is_customer}, {@code first_seen}, {@code last_seen}, {@code recency_days}, {@code active_days},
   *     {@code events}, {@code channels_used} (sorted), {@code channel_count}, {@code purchases}
   *     (frequency), {@code revenue} (monetary: purchases minus returns), {@code avg_order_value},
   *     {@code loyalty_status} (member|none), {@code support_contacts}, {@code complaints}, {@code
   *     ratings}, {@code avg_rating}, {@code sentiment} (mean of (rating − 3) / 2 over rated feedback,
   *     reviews and surveys, in [−1, 1]; null without any), {@code identifiers}, {@code
   *     identifier_types} (sorted)
   */
  public static Dataset<Row> personProfile(
      Dataset<Row> touchpoints, Dataset<Row> identityMap, LocalDate runDate) {
    require(identityMap, "silver.identity_map", "node", "id_type", "person_id");
    java.sql.Date asOf = java.sql.Date.valueOf(runDate);
    Column type = col("event_type");
    Column rated = type.isin(RATED_TYPES.toArray()).and(col("rating").isNotNull());
    Dataset<Row> activity =
        touchpoints
            .groupBy("person_id")
            .agg(
                min("event_time").as("first_seen"),
                max("event_time").as("last_seen"),
                countDistinct("event_date").as("active_days"),
                count(lit(1)).as("events"),
                array_sort(collect_set("channel")).as("channels_used"),
                sum(when(type.equalTo("purchase"), 1).otherwise(0)).as("purchases"),
                coalesce(sum(when(type.equalTo("purchase"), col("amount"))), lit(0.0))
                    .minus(coalesce(sum(when(type.equalTo("return"), col("amount"))), lit(0.0)))
                    .as("revenue"),
                avg(when(type.equalTo("purchase"), col("amount"))).as("avg_order_value"),
                max(type.equalTo("loyalty_enroll")).as("enrolled"),
                sum(when(type.isin(SUPPORT_TYPES.toArray()), 1).otherwise(0)).as("support_contacts"),
                sum(when(type.equalTo("complaint"), 1).otherwise(0)).as("complaints"),
                sum(when(rated, 1).otherwise(0)).as("ratings"),
                avg(when(rated, col("rating"))).as("avg_rating"),
                avg(when(rated, col("rating").minus(3).divide(2.0))).as("sentiment"));
    Dataset<Row> ids =
        identityMap
            .filter(col("person_id").isNotNull())
            .groupBy(col("person_id").as("i_person"))
            .agg(
                count(lit(1)).as("identifiers"),
                array_sort(collect_set("id_type")).as("identifier_types"));
    Column isCustomer =
        org.apache.spark.sql.functions.array_contains(coalesce(col("identifier_types"), array()), "cu")
            .or(col("purchases").gt(0));
    Column member =
        org.apache.spark.sql.functions.array_contains(coalesce(col("identifier_types"), array()), "lo")
            .or(col("enrolled"));
    return activity
        .join(ids, col("person_id").equalTo(col("i_person")), "left_outer")
        .select(
            col("person_id"),
            lit(asOf).as("as_of_date"),
            when(isCustomer, lit("customer")).otherwise(lit("prospect")).as("person_type"),
            isCustomer.as("is_customer"),
            col("first_seen"),
            col("last_seen"),
            datediff(lit(asOf), to_date(col("last_seen"))).as("recency_days"),
            col("active_days"),
            col("events"),
            col("channels_used"),
            size(col("channels_used")).as("channel_count"),
            col("purchases").cast("long").as("purchases"),
            col("revenue").cast("double").as("revenue"),
            col("avg_order_value"),
            when(member, lit("member")).otherwise(lit("none")).as("loyalty_status"),
            col("support_contacts").cast("long").as("support_contacts"),
            col("complaints").cast("long").as("complaints"),
            col("ratings").cast("long").as("ratings"),
            col("avg_rating"),
            col("sentiment"),
            coalesce(col("identifiers"), lit(0L)).as("identifiers"),
            coalesce(col("identifier_types"), array().cast("array<string>")).as("identifier_types"));
  }
}
