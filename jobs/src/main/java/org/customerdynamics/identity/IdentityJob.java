package org.customerdynamics.identity;

import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.expr;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.udf;

import io.delta.tables.DeltaTable;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.expressions.UserDefinedFunction;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.FaultPoints;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The identity job for one run date: links the identifiers seen together in the interactions landed
 * that day (late events of earlier days included), excludes over-linked ones, attaches the day's
 * identifiers to existing persons (or new ones), merges persons that now share an identifier, and
 * stamps person_id onto silver.interactions. Optionally scores the result against the generator's
 * ground truth.
 *
 * <p>Reads silver.interactions (the rows landed on the run date, and person ids that a merge retired).
 * Writes silver.identity_edges (replaceWhere edge_date), silver.identity_excluded (replaceWhere
 * run_date), silver.identity_merges (MERGE, insert-only), silver.identity_map (MERGE upsert),
 * silver.interactions.person_id (UPDATE with a lookup of each row's person, or a MERGE of them when
 * the lookup would be too large: {@code identity.stamp-lookup-max-nodes}) and gold.identity_quality (replaceWhere run_date). A
 * rerun of any date leaves every person id as it was.
 */
public final class IdentityJob {
  private static final Logger LOG = LoggerFactory.getLogger(IdentityJob.class);
  public static final String INTERACTIONS = "silver.interactions";
  public static final String MAP = "silver.identity_map";
  public static final String EDGES = "silver.identity_edges";
  public static final String EXCLUDED = "silver.identity_excluded";
  public static final String MERGES = "silver.identity_merges";
  public static final String QUALITY = "gold.identity_quality";

  static final StructType MAP_SCHEMA =
      new StructType()
          .add("node", DataTypes.StringType)
          .add("id_type", DataTypes.StringType)
          .add("person_id", DataTypes.StringType)
          .add("first_seen", DataTypes.TimestampType)
          .add("last_seen", DataTypes.TimestampType)
          .add("excluded", DataTypes.BooleanType)
          .add("assigned_on", DataTypes.DateType);

  private final SparkSession spark;
  private final CdxConfig config;
  private final Lakehouse lakehouse;
  private final Path truthDir;

  /**
   * @param truthDir the generator's truth folder, or null to skip the quality step
   */
  public IdentityJob(SparkSession spark, CdxConfig config, Path truthDir) {
    this.spark = spark;
    this.config = config;
    this.lakehouse = new Lakehouse(spark, config);
    this.truthDir = truthDir;
  }

  /** What a run did, for the log line and for tests. */
  public record Result(
      long identifiersSeen, long excluded, long merges, long persons, Row quality) {
    /** The run's summary as printed by `identity` and `demo`: counts, and the quality with a truth. */
    public String describe(LocalDate runDate) {
      StringBuilder s =
          new StringBuilder(
              String.format(
                  java.util.Locale.ROOT,
                  "identity %s: %d identifiers seen, %d of them over-linked (excluded), %d merges, %d persons",
                  runDate, identifiersSeen, excluded, merges, persons));
      if (quality != null) {
        s.append(
            String.format(
                java.util.Locale.ROOT,
                "%nidentity quality %s: precision %.4f, recall %.4f, F1 %.4f; largest component %d identifiers"
                    + " / %d true persons (largest household %d); traps caught %d of %d",
                runDate,
                quality.<Double>getAs("precision"),
                quality.<Double>getAs("recall"),
                quality.<Double>getAs("f1"),
                quality.<Long>getAs("largest_component_identifiers"),
                quality.<Long>getAs("largest_component_persons"),
                quality.<Long>getAs("largest_household"),
                quality.<Long>getAs("traps_caught"),
                quality.<Long>getAs("traps_planted")));
      }
      return s.toString();
    }
  }

  public Result run(LocalDate runDate) {
    return run(runDate, runDate);
  }

  /**
   * Resolves the links of the rows landed on {@code from}..{@code runDate} in one pass (a backfill):
   * the edges of each landing date are kept by date as a daily run would, and the components, merges
   * and stamping cover the whole range; merges and exclusions are recorded under {@code runDate}.
   */
  public Result run(LocalDate from, LocalDate runDate) {
    if (from.isAfter(runDate)) {
      throw new org.customerdynamics.common.CdxException(
          "Cannot resolve identities: --from-date " + from + " is after --run-date " + runDate);
    }
    IdentityConfig settings = config.identity();
    String day = "'" + runDate + "'";
    java.sql.Date date = java.sql.Date.valueOf(runDate);
    java.sql.Date fromDate = java.sql.Date.valueOf(from);
    Dataset<Row> interactions = lakehouse.read(INTERACTIONS);

    phase("identity: links of " + from + ".." + runDate);
    // The rows refine landed on these dates, late events of earlier dates included: a date's rows
    // are all seen by the run of the date they landed (its data skipping prunes the other files).
    Dataset<Row> events =
        IdentityTransforms.eventNodes(interactions.filter(landedOn(from, runDate))).localCheckpoint(true);
    Dataset<Row> observations = IdentityTransforms.observationsOf(events);
    Dataset<Row> dayEdges = IdentityTransforms.dailyEdges(events);
    // Delta cannot check a BETWEEN replaceWhere predicate (an unresolved-expression error): use = or
    // two comparisons.
    String edgeDates =
        from.equals(runDate)
            ? "edge_date = " + day
            : "edge_date >= '" + from + "' AND edge_date <= " + day;
    lakehouse.replaceWhere(dayEdges, EDGES, edgeDates, "edge_date");
    FaultPoints.reach("identity.after-edges");
    Dataset<Row> edges = lakehouse.read(EDGES);
    Dataset<Row> history = edges.filter(col("edge_date").leq(lit(date)));
    Dataset<Row> todayEdges = edges.filter(col("edge_date").between(lit(fromDate), lit(date)));

    phase("identity: over-linked identifiers");
    Map<String, Integer> caps = settings.typeCaps();
    // Only identifiers linked on these dates can newly break a cap: the others' links are as they
    // were on their last run, and exclusion is sticky (previousMap below).
    Dataset<Row> linkedToday =
        todayEdges.select(col("src").as("node")).union(todayEdges.select(col("dst").as("node")));
    // With no edge before these dates (a first run, or a backfill from the first date) the history is
    // these dates' edges, whose identifiers are all judged: the whole history is judged at once,
    // without first gathering the linked identifiers' neighbourhoods (the same rows).
    boolean wholeHistory = edges.filter(col("edge_date").lt(lit(fromDate))).isEmpty();
    Dataset<Row> overLinked =
        IdentityTransforms.overLinked(
                history,
                wholeHistory ? null : linkedToday,
                settings.maxLinksPerIdentifier(),
                caps,
                settings.maxLinksPerType(),
                settings.linkedTypeCaps())
            .localCheckpoint(true);
    lakehouse.replaceWhere(
        overLinked.select(lit(java.sql.Date.valueOf(runDate)).as("run_date"), col("*")),
        EXCLUDED,
        "run_date = " + day);

    long mapVersion = lakehouse.version(MAP);
    // Pinned to a version, so materializing it cannot go stale: the exclusions, the working graph,
    // the assignment, the merges and the map updates read it once instead of scanning it each time.
    Dataset<Row> previousMap =
        mapVersion < 0
            ? spark.createDataFrame(java.util.List.of(), MAP_SCHEMA)
            : lakehouse.readVersion(MAP, mapVersion).localCheckpoint(true);
    // Exclusion is sticky: an identifier once over-linked never links again, also on reruns.
    Dataset<Row> excludedNodes =
        overLinked
            .select("node")
            .union(previousMap.filter(col("excluded")).select("node"))
            .distinct()
            .localCheckpoint(true);
    Dataset<Row> sightings = IdentityTransforms.sightings(observations).localCheckpoint(true);

    phase("identity: components");
    Dataset<Row> dirty = IdentityTransforms.dirtyPersons(previousMap, excludedNodes).localCheckpoint(true);
    Dataset<Row> graph =
        IdentityTransforms.workingGraph(todayEdges, sightings, previousMap, excludedNodes, history, dirty);
    Dataset<Row> components =
        ConnectedComponents.ofStrings(
            graph, settings.maxIterations(), settings.checkpointEvery(), settings.singleTaskMaxEdges());
    Dataset<Row> assigned =
        IdentityTransforms.assign(components, previousMap, sightings, dirty, runDate).localCheckpoint(true);

    phase("identity: merges and map");
    Dataset<Row> merges =
        IdentityTransforms.merges(assigned, previousMap, todayEdges, excludedNodes, runDate).localCheckpoint(true);
    long mergeCount = merges.count();
    upsertMerges(merges, mergeCount);
    FaultPoints.reach("identity.after-merges");
    Dataset<Row> updates =
        IdentityTransforms.mapUpdates(assigned, previousMap, sightings, excludedNodes, runDate)
            .localCheckpoint(true);
    upsertMap(updates);

    phase("identity: stamp person_id on " + INTERACTIONS);
    FaultPoints.reach("identity.before-stamp");
    long persons = stamp(from, runDate, settings.stampLookupMaxNodes());

    Dataset<Row> map = lakehouse.read(MAP);
    if (truthDir != null) {
      // The quality scores read the map four times more; this run's writes are done, so one
      // materialized copy of the columns they use is the table as it now stands.
      map = map.select("node", "person_id", "excluded").localCheckpoint(true);
    }
    Row quality = null;
    if (truthDir != null) {
      phase("identity: quality against " + truthDir);
      Dataset<Row> scores =
          new IdentityQuality(truthDir)
              .score(spark, map, config.privacy().hashKey(), config.refine().defaultCountryCode(), runDate)
              .localCheckpoint(true);
      lakehouse.replaceWhere(scores, QUALITY, "run_date = " + day);
      quality = scores.head();
    }
    return new Result(sightings.count(), overLinked.count(), mergeCount, persons, quality);
  }

  /** Rows of silver.interactions that refine landed on {@code from}..{@code to}. */
  static Column landedOn(LocalDate from, LocalDate to) {
    return col("landing_date").between(lit(java.sql.Date.valueOf(from)), lit(java.sql.Date.valueOf(to)));
  }

  private void phase(String description) {
    spark.sparkContext().setJobDescription(description);
  }

  private void upsertMerges(Dataset<Row> merges, long count) {
    if (!lakehouse.exists(MERGES)) {
      lakehouse.overwrite(merges, MERGES);
      return;
    }
    if (count == 0) {
      // An insert-only MERGE of no rows changes no row; it would still cost its jobs and a commit.
      return;
    }
    lakehouse
        .delta(MERGES)
        .as("t")
        .merge(
            merges.as("s"),
            "t.kind = s.kind AND t.person_id = s.person_id AND t.into_person_id = s.into_person_id")
        .whenNotMatched()
        .insertAll()
        .execute();
  }

  private void upsertMap(Dataset<Row> updates) {
    if (!lakehouse.exists(MAP)) {
      lakehouse.overwrite(updates, MAP);
      return;
    }
    lakehouse
        .delta(MAP)
        .as("t")
        .merge(updates.as("s"), "t.node = s.node")
        .whenMatched()
        .updateAll()
        .whenNotMatched()
        .insertAll()
        .execute();
  }

  /**
   * Stamps person_id on the interactions landed on the run dates (late events included), on
   * interactions whose person_id was retired by a merge (also one committed by an earlier, interrupted
   * run) and on those of persons split today.
   *
   * @return the persons of the map (its distinct person ids), which this step reads anyway
   */
  private long stamp(LocalDate from, LocalDate runDate, long lookupMaxNodes) {
    Dataset<Row> map = lakehouse.read(MAP);
    Dataset<Row> alive =
        map.filter(col("person_id").isNotNull()).select(col("person_id").as("alive")).distinct().localCheckpoint(true);
    long persons = alive.count();
    Dataset<Row> split =
        lakehouse
            .read(MERGES)
            .filter(col("run_date").equalTo(lit(java.sql.Date.valueOf(runDate))).and(col("kind").equalTo("split")))
            .select(col("person_id").as("split_person"));
    Dataset<Row> interactions = lakehouse.read(INTERACTIONS);
    Column landed = landedOn(from, runDate);
    // Stamped person ids that no longer exist or were split today, with the dates of their rows, from
    // two narrow columns of the rows landed earlier; the rows themselves are then read from those
    // dates only.
    Dataset<Row> stamped =
        interactions
            .filter(col("person_id").isNotNull().and(coalesce(landed, lit(false)).unary_$bang()))
            .select("event_date", "person_id");
    // The alive persons, one id each, go to every task (as the lookup below sends the persons of
    // the rows' identifiers) when there are no more than the lookup's limit: the stamped rows then
    // meet them where they are read, and only the stale ones are gathered.
    boolean sendPersons = persons <= lookupMaxNodes;
    Dataset<Row> stale =
        stamped
            .join(sendPersons ? broadcast(alive) : alive, col("person_id").equalTo(col("alive")), "left_anti")
            .union(stamped.join(broadcast(split), col("person_id").equalTo(col("split_person")), "left_semi"))
            .distinct()
            .localCheckpoint(true);
    List<Object> staleDates = new ArrayList<>();
    // A null event_date is never stamped (no condition below matches a row of it).
    for (Row r : stale.filter(col("event_date").isNotNull()).select("event_date").distinct().collectAsList()) {
      staleDates.add(r.get(0));
    }
    // The rows to stamp, read once with only the columns that say whose they are: the landed rows
    // and those of stale persons on the dates they lie on. Their identifiers, event dates and
    // persons are then taken from this copy instead of reading silver again for each.
    Dataset<Row> affected = interactions.filter(landed);
    if (!staleDates.isEmpty()) {
      Dataset<Row> staleIds = stale.select(col("person_id").as("stale_person")).distinct();
      affected =
          affected.union(
              interactions
                  .filter(col("event_date").isin(staleDates.toArray()))
                  .join(sendPersons ? broadcast(staleIds) : staleIds,
                      col("person_id").equalTo(col("stale_person")), "left_semi"));
    }
    List<String> columns = new ArrayList<>(List.of("event_id", "event_time", "event_date", "landing_date", "person_id"));
    columns.addAll(IdentityTransforms.ID_COLUMNS.values());
    affected = affected.select(columns.stream().map(org.apache.spark.sql.functions::col).toArray(Column[]::new))
        .localCheckpoint(true);
    if (lookupMaxNodes > 0 && stampByLookup(map, affected, stale, landed, lookupMaxNodes)) {
      return persons;
    }
    Dataset<Row> personOfRows = IdentityTransforms.personOfEvents(affected, map).distinct().localCheckpoint(true);
    List<String> dates = eventDates(personOfRows);
    if (dates.isEmpty()) {
      return persons;
    }
    // The event dates as literals in the merge condition: Delta then scans only those partitions for
    // matches instead of the whole table (a join on s.event_date does not prune).
    DeltaTable.forPath(spark, lakehouse.path(INTERACTIONS))
        .as("t")
        .merge(
            personOfRows.as("s"),
            "t.event_date IN (" + String.join(", ", dates) + ")"
                + " AND t.event_id = s.event_id AND t.event_date = s.event_date")
        .whenMatched("NOT (t.person_id <=> s.person_id)")
        .updateExpr(Map.of("person_id", "s.person_id"))
        .execute();
    return persons;
  }

  /**
   * Stamps the affected rows by an UPDATE that looks each row's person up in a table sent to every
   * executor: the persons of the identifiers those rows carry, and the stale person ids. The rows
   * are read and rewritten where they lie, without the two joins of the MERGE over them (each moves
   * every row, all its columns, across the cluster). False, having written nothing, when the table
   * would hold more than {@code maxNodes} entries.
   */
  private boolean stampByLookup(
      Dataset<Row> map, Dataset<Row> affected, Dataset<Row> stale, Column landed, long maxNodes) {
    Dataset<Row> linked =
        map
            .filter(col("excluded").equalTo(false).and(col("person_id").isNotNull()))
            .select(col("node").as("m_node"), col("person_id").as("m_person"));
    List<Row> found =
        IdentityTransforms.observations(affected)
            .select("node")
            .distinct()
            .join(linked, col("node").equalTo(col("m_node")), "inner")
            .select("node", "m_person")
            .limit((int) maxNodes + 1)
            .collectAsList();
    List<Row> stalePersons =
        stale.select("person_id").distinct().limit((int) maxNodes + 1).collectAsList();
    if (found.size() + stalePersons.size() > maxNodes) {
      LOG.info(
          "identity: stamping by MERGE: the rows to stamp carry over {} identifiers and stale persons"
              + " (identity.stamp-lookup-max-nodes)",
          maxNodes);
      return false;
    }
    List<String> dates = eventDates(affected);
    if (dates.isEmpty()) {
      return true;
    }
    HashMap<String, String> personOfNode = new HashMap<>(found.size() * 2);
    for (Row r : found) {
      personOfNode.put(r.getString(0), r.getString(1));
    }
    HashSet<String> stalePersonIds = new HashSet<>();
    for (Row r : stalePersons) {
      stalePersonIds.add(r.getString(0));
    }
    Broadcast<HashMap<String, String>> nodes =
        JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(personOfNode);
    Broadcast<HashSet<String>> staleIds =
        JavaSparkContext.fromSparkContext(spark.sparkContext()).broadcast(stalePersonIds);
    try {
      // The person of a row: the smallest person of its linked identifiers (all of one component, as
      // the row links them), as personOfEvents gives it; null when none is linked. One call per row
      // with the row's identifier columns, each looked up as its node (<type>:<key>).
      List<String> types = new ArrayList<>(IdentityTransforms.ID_COLUMNS.keySet());
      String[] prefixes = types.stream().map(t -> t + ":").toArray(String[]::new);
      UserDefinedFunction personOfRow =
          udf(
              (UDF1<scala.collection.Seq<String>, String>) keys -> smallestPerson(keys, prefixes, nodes.value()),
              DataTypes.StringType);
      UserDefinedFunction isStale =
          udf((UDF1<String, Boolean>) person -> person != null && staleIds.value().contains(person), DataTypes.BooleanType);
      Column person =
          personOfRow.apply(
              org.apache.spark.sql.functions.array(
                  types.stream().map(t -> col(IdentityTransforms.ID_COLUMNS.get(t))).toArray(Column[]::new)));
      Column condition =
          expr("event_date IN (" + String.join(", ", dates) + ")")
              .and(coalesce(landed, lit(false)).or(isStale.apply(col("person_id"))))
              .and(col("person_id").eqNullSafe(person).unary_$bang());
      lakehouse.delta(INTERACTIONS).update(condition, Map.of("person_id", person));
    } finally {
      nodes.destroy();
      staleIds.destroy();
    }
    return true;
  }

  /**
   * The smallest person of the identifiers given (keys of the types whose node prefixes are at the
   * same positions); null when none is linked. A null or empty key is no identifier. Person ids are
   * ASCII ({@code p<hex>}), so Java's string order is Spark's {@code least}.
   */
  static String smallestPerson(scala.collection.Seq<String> keys, String[] prefixes, Map<String, String> personOfNode) {
    String smallest = null;
    for (int i = 0; i < prefixes.length; i++) {
      String key = keys.apply(i);
      if (key == null || key.isEmpty()) {
        continue;
      }
      String person = personOfNode.get(prefixes[i] + key);
      if (person != null && (smallest == null || person.compareTo(smallest) < 0)) {
        smallest = person;
      }
    }
    return smallest;
  }

  /** The non-null event dates of some interactions, as DATE literals, in order. */
  private static List<String> eventDates(Dataset<Row> rows) {
    List<String> dates = new ArrayList<>();
    for (Row r :
        rows.filter(col("event_date").isNotNull())
            .select(col("event_date").cast("string"))
            .distinct()
            .orderBy("event_date")
            .collectAsList()) {
      dates.add("DATE'" + r.getString(0) + "'");
    }
    return dates;
  }
}
