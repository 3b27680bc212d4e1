package org.customerdynamics.journey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.customerdynamics.testing.SilverInteractions.event;

import java.nio.file.Path;
import java.sql.Timestamp;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.report.ReportJob;
import org.customerdynamics.testing.SilverInteractions;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three hand-made journeys (run date 2026-03-10); the expected sessions, transitions, paths,
 * hand-offs, support case and profile are worked out in the comments.
 *
 * <pre>
 * p1 (cu, lo): 03-01 10:00 web, 10:05 web, 10:20 email, 12:00 web, 03-02 09:00 store purchase 100
 *              visits web, email, web, store; sessions [10:00-10:20], [12:00], [03-02 09:00]
 * p2 (an):     03-05 08:00 web, 08:30 call_center support_contact, 03-07 09:00 call_center complaint,
 *              03-08 10:00 chat feedback rating 1; visits web, call_center, chat
 * p3 (cu):     03-03 10:00 email, 10:10 web purchase 50, 03-04 10:00 web, 03-06 15:00 call_center
 *              subscription_cancel; visits email, web, call_center
 * </pre>
 */
class JourneyJobTest extends SparkTestBase {
  static final LocalDate RUN = LocalDate.parse("2026-03-10");

  @TempDir Path dir;
  CdxConfig config;
  Lakehouse lakehouse;

  @BeforeEach
  void journeys() {
    config = config(dir);
    lakehouse = lakehouse(config);
    SilverInteractions.append(
        lakehouse,
        event("p1-1").at("2026-03-01T10:00").channel("web").id("cu", "c1").person("p1"),
        event("p1-2").at("2026-03-01T10:05").channel("web").type("add_to_cart").id("cu", "c1").person("p1"),
        event("p1-3").at("2026-03-01T10:20").channel("email").type("email_click").id("em", "m1").person("p1"),
        event("p1-4").at("2026-03-01T12:00").channel("web").id("cu", "c1").person("p1"),
        event("p1-5").at("2026-03-02T09:00").channel("store").type("purchase").amount(100).id("lo", "l1").person("p1"),
        event("p2-1").at("2026-03-05T08:00").channel("web").id("an", "a2").person("p2"),
        event("p2-2").at("2026-03-05T08:30").channel("call_center").type("support_contact").agent("ag1").id("an", "a2").person("p2"),
        event("p2-3").at("2026-03-07T09:00").channel("call_center").type("complaint").agent("ag2").id("an", "a2").person("p2"),
        event("p2-4").at("2026-03-08T10:00").channel("chat").type("feedback").rating(1).id("an", "a2").person("p2"),
        event("p3-1").at("2026-03-03T10:00").channel("email").type("email_open").id("cu", "c3").person("p3"),
        event("p3-2").at("2026-03-03T10:10").channel("web").type("purchase").amount(50).id("cu", "c3").person("p3"),
        event("p3-3").at("2026-03-04T10:00").channel("web").id("cu", "c3").person("p3"),
        event("p3-4").at("2026-03-06T15:00").channel("call_center").type("subscription_cancel").id("cu", "c3").person("p3"),
        event("anon").at("2026-03-06T15:00").channel("web").id("an", "zz"),
        event("later").at("2026-03-11T15:00").channel("web").id("cu", "c1").person("p1"));
    lakehouse.overwrite(
        identityMap("cu:c1", "p1", "em:m1", "p1", "lo:l1", "p1", "an:a2", "p2", "cu:c3", "p3"),
        "silver.identity_map");
  }

  private static Dataset<Row> identityMap(String... nodePerson) {
    StructType schema =
        new StructType()
            .add("node", DataTypes.StringType)
            .add("id_type", DataTypes.StringType)
            .add("person_id", DataTypes.StringType)
            .add("first_seen", DataTypes.TimestampType)
            .add("last_seen", DataTypes.TimestampType)
            .add("excluded", DataTypes.BooleanType)
            .add("assigned_on", DataTypes.DateType);
    List<Row> rows = new ArrayList<>();
    Timestamp t = Timestamp.valueOf("2026-03-01 00:00:00");
    for (int i = 0; i < nodePerson.length; i += 2) {
      rows.add(RowFactory.create(nodePerson[i], nodePerson[i].substring(0, 2), nodePerson[i + 1], t, t, false,
          java.sql.Date.valueOf("2026-03-01")));
    }
    return spark().createDataFrame(rows, schema);
  }

  /** The rows of a table as strings: {@code columns} and {@code orderBy} are comma-separated SQL. */
  private List<String> rows(String table, String columns, String orderBy) {
    return lakehouse
        .read(table)
        .selectExpr(topLevelItems(columns))
        .orderBy(Arrays.stream(topLevelItems(orderBy)).map(functions::col).toArray(Column[]::new))
        .collectAsList()
        .stream()
        .map(Row::toString)
        .toList();
  }

  /** Splits on the commas outside parentheses: "a,round(b,6)" is [a, round(b,6)]. */
  private static String[] topLevelItems(String list) {
    List<String> items = new ArrayList<>();
    int depth = 0;
    int start = 0;
    for (int i = 0; i < list.length(); i++) {
      char c = list.charAt(i);
      if (c == '(') {
        depth++;
      } else if (c == ')') {
        depth--;
      } else if (c == ',' && depth == 0) {
        items.add(list.substring(start, i).trim());
        start = i + 1;
      }
    }
    items.add(list.substring(start).trim());
    return items.toArray(String[]::new);
  }

  @Test
  void buildsEveryJourneyTableAsComputedByHand() {
    JourneyJob.Result result = new JourneyJob(spark(), config).run(RUN);
    assertThat(result.sessions()).isEqualTo(9);
    assertThat(result.conversions()).isEqualTo(2);

    assertThat(rows(JourneyJob.SESSIONS, "session_id,events,channels,first_channel,last_channel,purchases,revenue", "session_id"))
        .containsExactly(
            "[p1-20260301100000,3,ArraySeq(email, web),web,email,0,0.0]",
            "[p1-20260301120000,1,ArraySeq(web),web,web,0,0.0]",
            "[p1-20260302090000,1,ArraySeq(store),store,store,1,100.0]",
            "[p2-20260305080000,2,ArraySeq(call_center, web),web,call_center,0,0.0]",
            "[p2-20260307090000,1,ArraySeq(call_center),call_center,call_center,0,0.0]",
            "[p2-20260308100000,1,ArraySeq(chat),chat,chat,0,0.0]",
            "[p3-20260303100000,2,ArraySeq(email, web),email,web,1,50.0]",
            "[p3-20260304100000,1,ArraySeq(web),web,web,0,0.0]",
            "[p3-20260306150000,1,ArraySeq(call_center),call_center,call_center,0,0.0]");

    // Visit transitions: p1 web>email>web>store, p2 web>call_center>chat, p3 email>web>call_center.
    assertThat(rows(JourneyJob.TRANSITIONS, "period,from_channel,to_channel,transitions,probability", "period,from_channel,to_channel"))
        .containsExactly(
            "[2026-03,call_center,chat,1,1.0]",
            "[2026-03,email,web,2,1.0]",
            "[2026-03,web,call_center,2,0.5]",
            "[2026-03,web,email,1,0.25]",
            "[2026-03,web,store,1,0.25]",
            "[all,call_center,chat,1,1.0]",
            "[all,email,web,2,1.0]",
            "[all,web,call_center,2,0.5]",
            "[all,web,email,1,0.25]",
            "[all,web,store,1,0.25]");

    assertThat(rows(JourneyJob.PATHS, "outcome,path,path_length,journeys,persons,share,rank", "outcome,rank"))
        .containsExactly(
            "[churn,email > web > call_center,3,1,1,1.0,1]",
            "[complaint,web > call_center,2,1,1,1.0,1]",
            "[purchase,email > web,2,1,1,0.5,1]",
            "[purchase,web > email > web > store,4,1,1,0.5,2]");

    assertThat(rows(JourneyJob.CONVERSIONS, "person_id,journey_no,hours_to_convert,visits,path", "person_id"))
        .containsExactly(
            "[p1,0,23.0,4,web > email > web > store]",
            "[p3,0,0.16666666666666666,2,email > web]");

    // Removal effects: web 1, email 0.5, store 0.5, call_center 0, chat 0 (JourneyMarkovTest).
    assertThat(rows(JourneyJob.ATTRIBUTION,
            "channel,round(conversion_probability,6),round(removal_effect,6),round(attributed_conversions,6),last_touch_conversions",
            "channel"))
        .containsExactly(
            "[call_center,0.5,0.0,0.0,0]",
            "[chat,0.5,0.0,0.0,0]",
            "[email,0.5,0.5,0.5,0]",
            "[store,0.5,0.5,0.5,1]",
            "[web,0.5,1.0,1.0,1]");

    // Within 24 h: web>email 15 min, email>web 100 and 10 min (median 55), web>store 21 h,
    // web>call_center 30 min. Not hand-offs: p3 web>call_center 53 h, p2 call_center>chat 25 h.
    assertThat(rows(JourneyJob.HANDOFFS, "from_channel,to_channel,handoffs,persons,median_gap_minutes", "from_channel,to_channel"))
        .containsExactly(
            "[email,web,2,2,55.0]",
            "[web,call_center,1,1,30.0]",
            "[web,email,1,1,15.0]",
            "[web,store,1,1,1260.0]");

    assertThat(rows(JourneyJob.SUPPORT,
            "person_id,started_at,resolved_at,resolution_hours,contacts,repeat_contacts,channels,agents,complaint",
            "person_id"))
        .containsExactly(
            "[p2,2026-03-05 08:30:00.0,2026-03-07 09:00:00.0,48.5,2,1,ArraySeq(call_center),ArraySeq(ag1, ag2),true]");

    assertThat(rows(JourneyJob.PROFILE,
            "person_id,person_type,recency_days,active_days,events,channels_used,purchases,revenue,loyalty_status,"
                + "support_contacts,complaints,sentiment,identifiers",
            "person_id"))
        .containsExactly(
            "[p1,customer,8,2,5,ArraySeq(email, store, web),1,100.0,member,0,0,null,3]",
            "[p2,prospect,2,3,4,ArraySeq(call_center, chat, web),0,0.0,none,2,1,-1.0,1]",
            "[p3,customer,4,3,4,ArraySeq(call_center, email, web),1,50.0,none,0,0,null,1]");
  }

  @Test
  void rerunGivesTheSameTables() throws Exception {
    new JourneyJob(spark(), config).run(RUN);
    List<List<String>> first = snapshot();
    new JourneyJob(spark(), config).run(RUN);
    assertThat(snapshot()).isEqualTo(first);

    // The report over these journeys (here to reuse them). Two dates at once on a lakehouse without
    // reporting tables: both runs create every table. Then a date again alone, and the other date
    // twice at once (the same partitions replaced by both). A row lost or duplicated by the
    // concurrent runs would make the later runs change the tables.
    LocalDate before = RUN.minusDays(1);
    concurrently(() -> new ReportJob(spark(), config).run(RUN), () -> new ReportJob(spark(), config).run(before));
    Map<String, List<String>> reported = reporting();
    assertThat(reported.get("report_runs")).hasSize(2);
    assertThat(reported.get("customer_360")).hasSize(6);
    new ReportJob(spark(), config).run(RUN);
    assertThat(reporting()).isEqualTo(reported);
    concurrently(() -> new ReportJob(spark(), config).run(before), () -> new ReportJob(spark(), config).run(before));
    assertThat(reporting()).isEqualTo(reported);
  }

  private List<List<String>> snapshot() {
    List<List<String>> all = new ArrayList<>();
    for (String table :
        List.of(JourneyJob.SESSIONS, JourneyJob.TRANSITIONS, JourneyJob.PATHS, JourneyJob.ATTRIBUTION,
            JourneyJob.CONVERSIONS, JourneyJob.HANDOFFS, JourneyJob.SUPPORT, JourneyJob.PROFILE)) {
      Dataset<Row> t = lakehouse.read(table);
      all.add(t.collectAsList().stream().map(Row::toString).sorted().toList());
    }
    return all;
  }

  /** Starts both at the same moment on two threads; rethrows the first failure. */
  private static void concurrently(Callable<?> a, Callable<?> b) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(2);
    CyclicBarrier start = new CyclicBarrier(2);
    try {
      List<Future<?>> runs = new ArrayList<>();
      for (Callable<?> job : List.of(a, b)) {
        runs.add(pool.submit(() -> {
          start.await();
          return job.call();
        }));
      }
      for (Future<?> run : runs) {
        run.get();
      }
    } finally {
      pool.shutdownNow();
    }
  }

  /** Every reporting table of the lakehouse, by name: its rows as strings, sorted. */
  private Map<String, List<String>> reporting() {
    Map<String, List<String>> tables = new TreeMap<>();
    for (String table : lakehouse.tables("reporting")) {
      tables.put(table.substring("reporting.".length()),
          lakehouse.read(table).collectAsList().stream().map(Row::toString).sorted().toList());
    }
    return tables;
  }

  @Test
  void failsClearlyWithoutTheIdentityMap() {
    CdxConfig other = config(dir.resolve("other"));
    Lakehouse empty = lakehouse(other);
    SilverInteractions.append(empty, event("x").at("2026-03-01T10:00").person("p1"));
    assertThatThrownBy(() -> new JourneyJob(spark(), other).run(RUN))
        .isInstanceOf(CdxException.class)
        .hasMessageStartingWith("Cannot read silver.identity_map")
        .hasMessageEndingWith("run the job that writes it first");
  }
}
