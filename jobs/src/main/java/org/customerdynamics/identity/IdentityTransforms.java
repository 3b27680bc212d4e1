package org.customerdynamics.identity;

import static org.apache.spark.sql.functions.array;
import static org.apache.spark.sql.functions.broadcast;
import static org.apache.spark.sql.functions.coalesce;
import static org.apache.spark.sql.functions.col;
import static org.apache.spark.sql.functions.concat;
import static org.apache.spark.sql.functions.count;
import static org.apache.spark.sql.functions.explode;
import static org.apache.spark.sql.functions.filter;
import static org.apache.spark.sql.functions.flatten;
import static org.apache.spark.sql.functions.greatest;
import static org.apache.spark.sql.functions.least;
import static org.apache.spark.sql.functions.lit;
import static org.apache.spark.sql.functions.max;
import static org.apache.spark.sql.functions.min;
import static org.apache.spark.sql.functions.row_number;
import static org.apache.spark.sql.functions.sha2;
import static org.apache.spark.sql.functions.size;
import static org.apache.spark.sql.functions.struct;
import static org.apache.spark.sql.functions.substring;
import static org.apache.spark.sql.functions.transform;
import static org.apache.spark.sql.functions.when;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;
import org.apache.spark.sql.expressions.WindowSpec;
import org.customerdynamics.common.CdxException;

/**
 * Identity resolution as pure Dataset transforms (no I/O): identifier nodes seen together in one
 * event are linked; over-linked identifiers are excluded; connected components are persons; person
 * ids are kept stable against the previous identity map.
 *
 * <p>A node is {@code <type>:<key>} (docs/tables.md), e.g. {@code em:3fa2…}. Counterpart identifiers
 * (the other person of a mention or referral) are never linked to the actor.
 */
public final class IdentityTransforms {
  /** Identifier type to its column in silver.interactions, in actor_key order. */
  public static final Map<String, String> ID_COLUMNS = idColumns();

  /** Prefix of the virtual vertex standing for an existing person in the working graph. */
  static final String PERSON_VERTEX = "~";

  private IdentityTransforms() {}

  private static Map<String, String> idColumns() {
    Map<String, String> m = new LinkedHashMap<>();
    m.put("cu", "customer_key");
    m.put("lo", "loyalty_key");
    m.put("em", "email_key");
    m.put("ph", "phone_key");
    m.put("de", "device_key");
    m.put("an", "anonymous_key");
    m.put("so", "social_key");
    return Map.copyOf(m);
  }

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
          "Cannot resolve identities: " + what + " lacks columns " + missing + "; see docs/tables.md");
    }
  }

  /**
   * One row per identifier present in an interaction.
   *
   * @param interactions silver.interactions rows
   * @return {@code event_id}, {@code event_time}, {@code landing_date}, {@code node}, {@code id_type}
   */
  public static Dataset<Row> observations(Dataset<Row> interactions) {
    return observationsOf(eventNodes(interactions));
  }

  /**
   * One row per interaction with its identifiers as nodes, in {@link #ID_COLUMNS}' order.
   *
   * @param interactions silver.interactions rows
   * @return {@code event_id}, {@code event_time}, {@code landing_date}, {@code nodes} (the non-null
   *     nodes, at most one per type)
   */
  public static Dataset<Row> eventNodes(Dataset<Row> interactions) {
    require(interactions, "silver.interactions", "event_id", "event_time", "landing_date");
    require(interactions, "silver.interactions", ID_COLUMNS.values().toArray(String[]::new));
    return interactions.select(
        col("event_id"),
        col("event_time"),
        col("landing_date"),
        filter(array(nodeColumns().toArray(Column[]::new)), Column::isNotNull).as("nodes"));
  }

  /** {@link #observations} of the rows of {@link #eventNodes}: one row per node. */
  public static Dataset<Row> observationsOf(Dataset<Row> eventNodes) {
    return eventNodes
        .select(col("event_id"), col("event_time"), col("landing_date"), explode(col("nodes")).as("node"))
        .select(
            col("event_id"),
            col("event_time"),
            col("landing_date"),
            col("node"),
            substring(col("node"), 1, 2).as("id_type"));
  }

  /**
   * An interaction's identifiers as nodes ({@code <type>:<key>}), one column per identifier column
   * of silver.interactions, in {@link #ID_COLUMNS}' order; null where the row has none of that type.
   */
  static List<Column> nodeColumns() {
    List<Column> nodes = new ArrayList<>();
    for (Map.Entry<String, String> e : ID_COLUMNS.entrySet()) {
      Column key = col(e.getValue());
      nodes.add(when(key.isNotNull().and(key.notEqual("")), concat(lit(e.getKey() + ":"), key)));
    }
    return nodes;
  }

  /**
   * The links of one day: every pair of identifiers seen in one event, once per day the events landed
   * (a late event's links belong to the day it landed, whose run found them). The pairs are made
   * within each event's row (its nodes are of distinct types, so distinct), not by joining the
   * events' nodes back to themselves on the event id, which would move every node across the
   * cluster twice.
   *
   * @param eventNodes output of {@link #eventNodes}
   * @return {@code edge_date} (landing date), {@code src}, {@code dst} (src &lt; dst), {@code events}
   *     (events linking the pair that day), {@code first_event_id} (smallest such event id)
   */
  public static Dataset<Row> dailyEdges(Dataset<Row> eventNodes) {
    Column nodes = col("nodes");
    Column pairs =
        flatten(
            transform(
                nodes,
                a -> transform(filter(nodes, b -> b.gt(a)), b -> struct(a.as("src"), b.as("dst")))));
    return eventNodes
        .filter(size(nodes).geq(2))
        .select(col("event_id"), col("landing_date"), explode(pairs).as("pair"))
        .groupBy(col("landing_date").as("edge_date"), col("pair.src").as("src"), col("pair.dst").as("dst"))
        .agg(count(lit(1)).as("events"), min("event_id").as("first_event_id"))
        .select("edge_date", "src", "dst", "events", "first_event_id");
  }

  /**
   * Identifiers linked to too many others over the whole edge history given: they are excluded from
   * linking. Two rules, in order:
   *
   * <ol>
   *   <li>hubs: linked to more distinct identifiers than their type's cap (a store kiosk or POS
   *       terminal seen with every customer of a store);
   *   <li>fan-out: once the hubs are left out, linked to more distinct identifiers of one type than
   *       that linked type's cap ({@code linkedTypeCaps}, else {@code maxLinksPerType}): a
   *       placeholder e-mail typed with a dozen cookies, a phone or POS terminal seen with two
   *       customer ids (cap 1: a customer id is one person). A person's own identifiers rarely fan
   *       out: a customer id meets one e-mail and a few cookies and devices.
   * </ol>
   *
   * @param edgeHistory {@code src}, {@code dst} (any number of days)
   * @param defaultCap cap for types without their own
   * @param typeCaps per-type caps, e.g. {@code de -> 10}
   * @param maxLinksPerType cap on the distinct identifiers of one type linked to an identifier
   * @param linkedTypeCaps per linked type overrides of {@code maxLinksPerType}, e.g. {@code cu -> 1}
   * @return {@code node}, {@code id_type}, {@code degree} (distinct identifiers linked), {@code cap}
   *     (the cap it broke), {@code reason}
   */
  public static Dataset<Row> overLinked(
      Dataset<Row> edgeHistory,
      int defaultCap,
      Map<String, Integer> typeCaps,
      int maxLinksPerType,
      Map<String, Integer> linkedTypeCaps) {
    return overLinked(edgeHistory, null, defaultCap, typeCaps, maxLinksPerType, linkedTypeCaps);
  }

  /**
   * {@link #overLinked(Dataset, int, Map, int, Map)} for the identifiers in {@code focus} only: the
   * same rows as the whole history gives for them, read from the edges of those identifiers and of
   * their neighbours alone (whether a neighbour is a hub decides the fan-out rule). An identifier's
   * degree and links grow only on days it is linked, so the identifiers linked on the run date are the
   * only ones a daily run can newly find over-linked; earlier ones stay excluded (exclusion is sticky).
   *
   * @param focus {@code node}: the identifiers to judge, or null for all of the history
   */
  public static Dataset<Row> overLinked(
      Dataset<Row> edgeHistory,
      Dataset<Row> focus,
      int defaultCap,
      Map<String, Integer> typeCaps,
      int maxLinksPerType,
      Map<String, Integer> linkedTypeCaps) {
    require(edgeHistory, "the edge history", "src", "dst");
    // Each link both ways, read in one scan.
    Dataset<Row> all =
        edgeHistory
            .select(
                explode(
                        array(
                            struct(col("src").as("node"), col("dst").as("other")),
                            struct(col("dst").as("node"), col("src").as("other"))))
                    .as("e"))
            .select(col("e.node").as("node"), col("e.other").as("other"));
    // One row per distinct link of a node (a pair linked on several days counts once).
    Dataset<Row> sym;
    Dataset<Row> judged;
    if (focus == null) {
      // Read by the degrees, the hubs and the fan-out: computed once.
      sym = all.distinct().localCheckpoint(true);
      judged = null;
    } else {
      judged = focus.select("node").distinct().localCheckpoint(true);
      // The focus and its neighbours: every link of theirs, so their degrees are exact.
      Dataset<Row> near =
          all.join(broadcast(judged), "node", "left_semi")
              .select(col("other").as("node"))
              .union(judged)
              .distinct()
              .localCheckpoint(true);
      sym = all.join(broadcast(near), "node", "left_semi").distinct().localCheckpoint(true);
    }
    Column type = substring(col("node"), 1, 2);
    Column cap = lit(defaultCap);
    for (Map.Entry<String, Integer> e : typeCaps.entrySet()) {
      cap = when(type.equalTo(e.getKey()), lit(e.getValue())).otherwise(cap);
    }
    Dataset<Row> degrees =
        sym.groupBy("node")
            .agg(count(lit(1)).as("degree"))
            .withColumn("id_type", type)
            .withColumn("cap", cap);
    Dataset<Row> hubs =
        degrees
            .filter(col("degree").gt(col("cap")))
            .select(
                col("node"),
                col("id_type"),
                col("degree"),
                col("cap"),
                concat(
                        lit("linked to "),
                        col("degree").cast("string"),
                        lit(" other identifiers; cap for type "),
                        col("id_type"),
                        lit(" is "),
                        col("cap").cast("string"))
                    .as("reason"));
    Dataset<Row> hubNodes = hubs.select("node");
    Column linkedCap = lit(maxLinksPerType);
    for (Map.Entry<String, Integer> e : new java.util.TreeMap<>(linkedTypeCaps).entrySet()) {
      linkedCap = when(col("linked_type").equalTo(e.getKey()), lit(e.getValue())).otherwise(linkedCap);
    }
    Dataset<Row> fanOut =
        (judged == null ? sym : sym.join(broadcast(judged), "node", "left_semi"))
            .join(hubNodes, "node", "left_anti")
            .join(hubNodes.select(col("node").as("other")), "other", "left_anti")
            .groupBy(col("node"), substring(col("other"), 1, 2).as("linked_type"))
            .agg(count(lit(1)).as("linked"))
            .withColumn("linked_cap", linkedCap)
            .filter(col("linked").gt(col("linked_cap")))
            // The widest excess names the reason (ties: the first type in alphabetical order).
            .withColumn(
                "rank",
                row_number()
                    .over(
                        Window.partitionBy("node")
                            .orderBy(
                                col("linked").minus(col("linked_cap")).desc(), col("linked_type"))))
            .filter(col("rank").equalTo(1))
            .join(degrees.select("node", "degree"), "node", "inner")
            .select(
                col("node"),
                substring(col("node"), 1, 2).as("id_type"),
                col("degree"),
                col("linked_cap").as("cap"),
                concat(
                        lit("linked to "),
                        col("linked").cast("string"),
                        lit(" identifiers of type "),
                        col("linked_type"),
                        lit("; cap for linked type "),
                        col("linked_type"),
                        lit(" is "),
                        col("linked_cap").cast("string"))
                    .as("reason"));
    Dataset<Row> result = hubs.union(fanOut).select("node", "id_type", "degree", "cap", "reason");
    return judged == null ? result : result.join(broadcast(judged), "node", "left_semi");
  }

  /**
   * When each identifier was first and last seen in the given observations.
   *
   * @return {@code node}, {@code id_type}, {@code first_seen}, {@code last_seen} (timestamps)
   */
  public static Dataset<Row> sightings(Dataset<Row> observations) {
    return observations
        .groupBy("node", "id_type")
        .agg(min("event_time").as("first_seen"), max("event_time").as("last_seen"))
        .select("node", "id_type", "first_seen", "last_seen");
  }

  /** The persons of the previous map whose identifiers are linked (not excluded). */
  static Dataset<Row> activeMap(Dataset<Row> previousMap) {
    return previousMap
        .filter(col("excluded").equalTo(false).and(col("person_id").isNotNull()))
        .select("node", "person_id", "first_seen");
  }

  /**
   * Persons of the previous map that hold an identifier excluded from now on: they are re-resolved
   * from their edge history without it, and may split.
   *
   * @return {@code person_id}
   */
  public static Dataset<Row> dirtyPersons(Dataset<Row> previousMap, Dataset<Row> excludedNodes) {
    return activeMap(previousMap)
        .join(excludedNodes.select("node"), "node", "left_semi")
        .select("person_id")
        .distinct();
  }

  /**
   * The graph to solve for one day: the day's links and identifiers (minus excluded ones), the whole
   * edge history of persons being re-resolved, and a virtual vertex {@code ~<person_id>} linked to each
   * identifier already mapped to a person, so that new identifiers attach to existing persons and
   * persons that now share an identifier meet in one component without recomputing history.
   *
   * @param dayEdges {@code src}, {@code dst} of the run date
   * @param daySightings {@code node} seen on the run date
   * @param previousMap silver.identity_map before this run
   * @param excludedNodes {@code node} excluded from linking (now or before)
   * @param edgeHistory {@code src}, {@code dst} of all days up to the run date
   * @param dirtyPersons output of {@link #dirtyPersons}
   * @return {@code src}, {@code dst} (strings; self-loops declare lone identifiers)
   */
  public static Dataset<Row> workingGraph(
      Dataset<Row> dayEdges,
      Dataset<Row> daySightings,
      Dataset<Row> previousMap,
      Dataset<Row> excludedNodes,
      Dataset<Row> edgeHistory,
      Dataset<Row> dirtyPersons) {
    Dataset<Row> excluded = excludedNodes.select("node");
    Dataset<Row> active = activeMap(previousMap);
    Dataset<Row> dirtyNodes =
        active.join(dirtyPersons, "person_id", "left_semi").join(excluded, "node", "left_anti").select("node");
    Dataset<Row> realNodes =
        daySightings.select("node").join(excluded, "node", "left_anti").union(dirtyNodes).distinct();
    Dataset<Row> historyOfDirty =
        edgeHistory
            .select("src", "dst")
            .join(dirtyNodes.select(col("node").as("src")), "src", "left_semi")
            .join(dirtyNodes.select(col("node").as("dst")), "dst", "left_semi")
            .select("src", "dst");
    Dataset<Row> links =
        dayEdges
            .select("src", "dst")
            .join(excluded.select(col("node").as("src")), "src", "left_anti")
            .join(excluded.select(col("node").as("dst")), "dst", "left_anti")
            .select("src", "dst")
            .union(historyOfDirty);
    Dataset<Row> personLinks =
        realNodes
            .join(active.join(dirtyPersons, "person_id", "left_anti"), "node", "inner")
            .select(col("node").as("src"), concat(lit(PERSON_VERTEX), col("person_id")).as("dst"));
    return links
        .union(realNodes.select(col("node").as("src"), col("node").as("dst")))
        .union(personLinks)
        .select("src", "dst");
  }

  /**
   * Person ids of the components of the working graph. A component holding existing persons keeps the
   * oldest one (earliest first seen, then smallest id): the others are merged into it. A person being
   * re-resolved keeps its id in the component of its oldest remaining identifier. A component with no
   * person gets a new id derived from its oldest identifier and the run date.
   *
   * @param components {@code node}, {@code component} from {@link ConnectedComponents#ofStrings}
   * @param previousMap silver.identity_map before this run
   * @param daySightings output of {@link #sightings} for the run date
   * @param dirtyPersons output of {@link #dirtyPersons}
   * @return {@code node}, {@code component}, {@code person_id}, {@code previous_person_id}
   */
  public static Dataset<Row> assign(
      Dataset<Row> components,
      Dataset<Row> previousMap,
      Dataset<Row> daySightings,
      Dataset<Row> dirtyPersons,
      LocalDate runDate) {
    Dataset<Row> active = activeMap(previousMap);
    Dataset<Row> real = components.filter(col("node").startsWith(PERSON_VERTEX).unary_$bang());
    Dataset<Row> candidates = candidates(components, active, dirtyPersons);
    WindowSpec oldestPerson =
        Window.partitionBy("component").orderBy(col("person_first_seen"), col("person_id"));
    Dataset<Row> survivors =
        candidates
            .withColumn("rank", row_number().over(oldestPerson))
            .filter(col("rank").equalTo(1))
            .select(col("component").as("s_component"), col("person_id").as("survivor"));
    Dataset<Row> firstSeen =
        real.join(active.select(col("node"), col("first_seen").as("prev_first_seen")), "node", "left_outer")
            .join(daySightings.select(col("node"), col("first_seen").as("day_first_seen")), "node", "left_outer")
            .select(
                col("node"),
                col("component"),
                least(col("prev_first_seen"), col("day_first_seen")).as("node_first_seen"));
    Dataset<Row> anchors =
        firstSeen
            .withColumn(
                "rank",
                row_number()
                    .over(Window.partitionBy("component").orderBy(col("node_first_seen"), col("node"))))
            .filter(col("rank").equalTo(1))
            .select(
                col("component").as("a_component"),
                concat(
                        lit("p"),
                        substring(sha2(concat(col("node"), lit("|" + runDate)), 256), 1, 24))
                    .as("new_person_id"));
    return real.join(survivors, col("component").equalTo(col("s_component")), "left_outer")
        .join(anchors, col("component").equalTo(col("a_component")), "inner")
        .join(active.select(col("node"), col("person_id").as("previous_person_id")), "node", "left_outer")
        .select(
            col("node"),
            col("component"),
            coalesce(col("survivor"), col("new_person_id")).as("person_id"),
            col("previous_person_id"));
  }

  /**
   * Existing persons present in each component: via their virtual vertex, or (for a person being
   * re-resolved) via its oldest remaining identifier.
   *
   * @return {@code component}, {@code person_id}, {@code person_first_seen}
   */
  static Dataset<Row> candidates(
      Dataset<Row> components, Dataset<Row> active, Dataset<Row> dirtyPersons) {
    Dataset<Row> clean =
        components
            .filter(col("node").startsWith(PERSON_VERTEX))
            .select(col("component"), substring(col("node"), 2, 1000).as("person_id"));
    Dataset<Row> dirtyAnchors =
        active
            .join(dirtyPersons, "person_id", "left_semi")
            .join(components.select("node"), "node", "left_semi")
            .withColumn(
                "rank",
                row_number().over(Window.partitionBy("person_id").orderBy(col("first_seen"), col("node"))))
            .filter(col("rank").equalTo(1))
            .select("node", "person_id");
    Dataset<Row> dirty =
        dirtyAnchors.join(components, "node", "inner").select("component", "person_id");
    Dataset<Row> personFirstSeen =
        active.groupBy("person_id").agg(min("first_seen").as("person_first_seen"));
    return clean.union(dirty)
        .distinct()
        .join(personFirstSeen, "person_id", "inner")
        .select("component", "person_id", "person_first_seen");
  }

  /**
   * Merges and splits decided by {@link #assign}: an existing person absorbed by an older one, or a
   * part of a re-resolved person given a new id.
   *
   * @param assigned output of {@link #assign}
   * @param previousMap silver.identity_map before this run (where a newly excluded identifier was
   *     still mapped to the person it splits: excluded identifiers are not in {@code assigned})
   * @param dayEdges {@code src}, {@code dst}, {@code first_event_id} of the run date
   * @param excludedNodes {@code node} excluded from linking
   * @return {@code run_date}, {@code kind} (merge|split), {@code person_id} (the id that stops, or for
   *     a split the person split), {@code into_person_id}, {@code edge_src}, {@code edge_dst}, {@code
   *     event_id} (the link of the day that joined them; for a split, {@code edge_src} is the newly
   *     excluded identifier), {@code identifiers} (identifiers moved)
   */
  public static Dataset<Row> merges(
      Dataset<Row> assigned,
      Dataset<Row> previousMap,
      Dataset<Row> dayEdges,
      Dataset<Row> excludedNodes,
      LocalDate runDate) {
    Dataset<Row> moved =
        assigned
            .filter(col("previous_person_id").isNotNull().and(col("previous_person_id").notEqual(col("person_id"))))
            .groupBy(col("previous_person_id").as("from_id"), col("person_id").as("into_id"))
            .agg(count(lit(1)).as("identifiers"));
    // A person whose id survives somewhere was split; otherwise it was merged away.
    Dataset<Row> surviving = assigned.select(col("person_id").as("alive")).distinct();
    Dataset<Row> old = assigned.select(col("node").as("o_node"), col("previous_person_id").as("o_person"));
    Dataset<Row> bridges =
        dayEdges
            .join(old.withColumnRenamed("o_node", "s_node").withColumnRenamed("o_person", "s_person"),
                col("src").equalTo(col("s_node")), "left_outer")
            .join(old.withColumnRenamed("o_node", "d_node").withColumnRenamed("o_person", "d_person"),
                col("dst").equalTo(col("d_node")), "left_outer")
            .select(
                col("src"),
                col("dst"),
                col("first_event_id"),
                explode(array(col("s_person"), col("d_person"))).as("b_person"),
                col("s_person"),
                col("d_person"))
            .filter(
                col("b_person").isNotNull()
                    .and(coalesce(col("s_person"), lit("")).notEqual(coalesce(col("d_person"), lit("")))))
            .withColumn(
                "rank", row_number().over(Window.partitionBy("b_person").orderBy(col("src"), col("dst"))))
            .filter(col("rank").equalTo(1))
            .select(col("b_person"), col("src"), col("dst"), col("first_event_id"));
    Dataset<Row> cause =
        excludedNodes
            .select(col("node").as("x_node"))
            .join(
                activeMap(previousMap).select(col("node").as("p_node"), col("person_id").as("p_person")),
                col("x_node").equalTo(col("p_node")),
                "inner")
            .groupBy(col("p_person").as("x_person"))
            .agg(min("x_node").as("x_node"));
    return moved
        .join(surviving, col("from_id").equalTo(col("alive")), "left_outer")
        .join(bridges, col("from_id").equalTo(col("b_person")), "left_outer")
        .join(cause, col("from_id").equalTo(col("x_person")), "left_outer")
        .select(
            lit(java.sql.Date.valueOf(runDate)).as("run_date"),
            when(col("alive").isNull(), lit("merge")).otherwise(lit("split")).as("kind"),
            col("from_id").as("person_id"),
            col("into_id").as("into_person_id"),
            when(col("alive").isNull(), col("src")).otherwise(col("x_node")).as("edge_src"),
            when(col("alive").isNull(), col("dst")).as("edge_dst"),
            when(col("alive").isNull(), col("first_event_id")).as("event_id"),
            col("identifiers"));
  }

  /**
   * The rows to upsert into silver.identity_map, one per identifier: every identifier of the working
   * graph with its person, the other identifiers of merged-away persons moved to the survivor, and
   * excluded identifiers (person_id null, excluded true; also those of a merged-away person).
   *
   * @return {@code node}, {@code id_type}, {@code person_id}, {@code first_seen}, {@code last_seen},
   *     {@code excluded}, {@code assigned_on}
   */
  public static Dataset<Row> mapUpdates(
      Dataset<Row> assigned,
      Dataset<Row> previousMap,
      Dataset<Row> daySightings,
      Dataset<Row> excludedNodes,
      LocalDate runDate) {
    java.sql.Date day = java.sql.Date.valueOf(runDate);
    Dataset<Row> renames =
        assigned
            .filter(col("previous_person_id").isNotNull())
            .select(col("previous_person_id").as("r_from"), col("person_id").as("r_into"))
            .distinct();
    // Persons merged away entirely: their identifiers not in today's graph follow the survivor. An
    // identifier excluded today is not in the graph either (a merged-away person can be one being
    // re-resolved without it): it follows nobody, its only row is the excluded one below.
    Dataset<Row> mergedAway =
        renames.join(
            assigned.select(col("person_id").as("alive")).distinct(),
            col("r_from").equalTo(col("alive")),
            "left_anti");
    Dataset<Row> followers =
        activeMap(previousMap)
            .join(assigned.select("node"), "node", "left_anti")
            .join(excludedNodes.select("node"), "node", "left_anti")
            .join(mergedAway, col("person_id").equalTo(col("r_from")), "inner")
            .select(col("node"), col("r_into").as("person_id"), lit(false).as("excluded"));
    Dataset<Row> excluded =
        excludedNodes.select(col("node"), lit(null).cast("string").as("person_id"), lit(true).as("excluded"));
    Dataset<Row> resolved =
        assigned
            .select(col("node"), col("person_id"), lit(false).as("excluded"))
            .join(excludedNodes.select("node"), "node", "left_anti")
            .select("node", "person_id", "excluded");
    Dataset<Row> changed = resolved.union(followers).union(excluded);
    Dataset<Row> prev =
        previousMap.select(
            col("node").as("p_node"),
            col("person_id").as("p_person"),
            col("first_seen").as("p_first"),
            col("last_seen").as("p_last"),
            col("excluded").as("p_excluded"),
            col("assigned_on").as("p_assigned"));
    Dataset<Row> seen =
        daySightings.select(
            col("node").as("s_node"), col("first_seen").as("s_first"), col("last_seen").as("s_last"));
    return changed
        .join(prev, col("node").equalTo(col("p_node")), "left_outer")
        .join(seen, col("node").equalTo(col("s_node")), "left_outer")
        // An excluded identifier never seen today and already excluded needs no row.
        .filter(col("s_node").isNotNull().or(col("p_node").isNull())
            .or(col("p_excluded").notEqual(col("excluded")))
            .or(coalesce(col("p_person"), lit("")).notEqual(coalesce(col("person_id"), lit("")))))
        .select(
            col("node"),
            substring(col("node"), 1, 2).as("id_type"),
            col("person_id"),
            least(col("p_first"), col("s_first")).as("first_seen"),
            greatest(col("p_last"), col("s_last")).as("last_seen"),
            col("excluded"),
            when(
                    col("p_node").isNotNull()
                        .and(coalesce(col("p_person"), lit("")).equalTo(coalesce(col("person_id"), lit("")))),
                    col("p_assigned"))
                .otherwise(lit(day))
                .as("assigned_on"));
  }

  /**
   * The person of each interaction: the person of its linked identifiers (all in one component, as
   * the event links them); null when all its identifiers are excluded.
   *
   * @param interactions silver.interactions rows to stamp
   * @param identityMap silver.identity_map after this run
   * @return {@code event_id}, {@code event_date}, {@code person_id}
   */
  public static Dataset<Row> personOfEvents(Dataset<Row> interactions, Dataset<Row> identityMap) {
    Dataset<Row> linked =
        observations(interactions)
            .join(
                identityMap
                    .filter(col("excluded").equalTo(false))
                    .select(col("node").as("m_node"), col("person_id").as("m_person")),
                col("node").equalTo(col("m_node")),
                "inner")
            .groupBy(col("event_id").as("l_event"))
            .agg(min("m_person").as("m_person"));
    return interactions
        .select("event_id", "event_date")
        .join(linked, col("event_id").equalTo(col("l_event")), "left_outer")
        .select(col("event_id"), col("event_date"), col("m_person").as("person_id"));
  }
}
