package org.customerdynamics.erase;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StringType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.CdxException;

/**
 * Which columns of a table can hold a person, and what erasure does to them: the rule of each column
 * is chosen by its name and type, so a table added later is covered by the columns it shares with
 * today's tables, and a column that looks personal but has no rule stops the erasure (rather than
 * being silently skipped).
 *
 * <p>The SQL expressions returned reference the target row as {@code t} and the one-row erasure
 * request as {@code e}, with columns {@code persons} (array of person ids), {@code nodes} (array of
 * {@code <type>:<key>}), {@code keys} (array of identifier keys), {@code raw_regex} (a regex over the
 * lower-cased raw values, null when none), {@code raw_regex_ci} (the same, case-insensitive) and
 * {@code communities} (map {@code <old community id>|<date>} → surviving community id).
 */
public final class ErasureRules {
  private ErasureRules() {}

  /** Columns holding a person id: the row is the person's, or about them. */
  static final Set<String> PERSON = Set.of("person_id", "src_person_id", "dst_person_id", "into_person_id");

  /** Columns holding an identity-graph node {@code <type>:<key>}. */
  static final Set<String> NODE = Set.of("node", "src", "dst", "identifier", "edge_src", "edge_dst", "actor_key");

  /** Pseudonymised identifiers of the interaction's actor (silver). */
  static final Set<String> KEY =
      Set.of("customer_key", "anonymous_key", "device_key", "email_key", "phone_key", "loyalty_key", "social_key");

  /** Pseudonymised identifiers of someone else named by the interaction: blanked, the row kept. */
  static final Set<String> COUNTERPART_KEY =
      Set.of("counterpart_customer_key", "counterpart_email_key", "counterpart_social_key");

  /** Raw identifiers of the actor (bronze), with their identifier type. */
  static final Map<String, String> RAW =
      Map.of(
          "customer_id", "cu", "anonymous_id", "an", "device_id", "de", "email", "em", "phone", "ph",
          "loyalty_id", "lo", "social_handle", "so");

  /** Raw identifiers of a counterpart (bronze): blanked, the row kept. */
  static final Map<String, String> RAW_COUNTERPART =
      Map.of("counterpart_customer_id", "cu", "counterpart_email", "em", "counterpart_social_handle", "so");

  /** Raw lines and messages about them (bronze.quarantine): the row goes when a raw value appears. */
  static final Set<String> RAW_TEXT = Set.of("raw", "detail");

  /** Free text and properties of someone's interaction: a raw value inside is replaced. */
  static final Set<String> SCRUB = Set.of("text", "properties");

  /** Arrays of person ids: the person is taken out. */
  static final Set<String> PERSON_ARRAY = Set.of("advocates", "detractors");

  /** A community's id is its smallest member's person id: renamed to the next member, or dropped. */
  static final String COMMUNITY = "community_id";

  /**
   * Derived from columns above, so covered by the row rule of their table: {@code session_id} and
   * {@code case_id} start with the person id, {@code dedup_key} hashes the actor; event ids name a
   * source record, not a person.
   */
  static final Set<String> DERIVED = Set.of("session_id", "case_id", "dedup_key", "event_id", "first_event_id");

  /** Names that look personal: a string/array/map column so named needs a rule above. */
  static final Pattern LOOKS_PERSONAL =
      Pattern.compile(
          "(?i).*(person|email|phone|customer_id|customer_key|_key$|handle|anonymous|device|loyalty_id|identifier"
              + "|node|advocate|detractor|member|community_id|session|case_id|^src$|^dst$|^raw$|text|propert).*");

  /** Names matching {@link #LOOKS_PERSONAL} that are not personal (categories, not values). */
  static final Set<String> NOT_PERSONAL = Set.of("person_type", "id_type", "identifier_types");

  /** What erasure does to one table. */
  public record Plan(
      String table, String deleteWhen, String changeWhen, Map<String, String> updates, List<String> personalColumns) {
    /** The MERGE condition: rows deleted or changed. */
    public String matchWhen() {
      if (deleteWhen == null) {
        return changeWhen;
      }
      return changeWhen == null ? deleteWhen : "(" + deleteWhen + ") OR (" + changeWhen + ")";
    }

    public boolean touchesNothing() {
      return deleteWhen == null && changeWhen == null;
    }
  }

  /**
   * The plan for a table of this schema.
   *
   * @throws CdxException when a column looks personal and no rule covers it, or a derived column
   *     appears without a row rule
   */
  public static Plan plan(String table, StructType schema) {
    List<String> deletes = new ArrayList<>();
    List<String> changes = new ArrayList<>();
    Map<String, String> updates = new LinkedHashMap<>();
    List<String> personal = new ArrayList<>();
    List<String> derived = new ArrayList<>();
    String dateColumn = dateColumn(schema);
    for (StructField f : schema.fields()) {
      String c = f.name();
      String t = "t.`" + c + "`";
      DataType type = f.dataType();
      boolean string = type instanceof StringType;
      if (string && PERSON.contains(c)) {
        deletes.add(is("array_contains(e.persons, " + t + ")"));
      } else if (string && NODE.contains(c)) {
        deletes.add(is("array_contains(e.nodes, " + t + ")"));
      } else if (string && KEY.contains(c)) {
        deletes.add(is("array_contains(e.keys, " + t + ")"));
      } else if (string && COUNTERPART_KEY.contains(c)) {
        String when = is("array_contains(e.keys, " + t + ")");
        changes.add(when);
        updates.put(c, "CASE WHEN " + when + " THEN NULL ELSE " + t + " END");
      } else if (string && RAW.containsKey(c)) {
        deletes.add(is("array_contains(e.keys, cdx_key('" + RAW.get(c) + "', " + t + "))"));
      } else if (string && RAW_COUNTERPART.containsKey(c)) {
        String when = is("array_contains(e.keys, cdx_key('" + RAW_COUNTERPART.get(c) + "', " + t + "))");
        changes.add(when);
        updates.put(c, "CASE WHEN " + when + " THEN NULL ELSE " + t + " END");
      } else if (string && RAW_TEXT.contains(c)) {
        deletes.add(is("lower(" + t + ") RLIKE e.raw_regex"));
      } else if (string && SCRUB.contains(c)) {
        String when = is("lower(" + t + ") RLIKE e.raw_regex");
        changes.add(when);
        updates.put(c, "CASE WHEN " + when + " THEN regexp_replace(" + t + ", e.raw_regex_ci, '[erased]') ELSE " + t + " END");
      } else if (type instanceof MapType m && m.valueType() instanceof StringType && SCRUB.contains(c)) {
        String when = is("lower(to_json(" + t + ")) RLIKE e.raw_regex");
        changes.add(when);
        updates.put(
            c,
            "CASE WHEN " + when + " THEN transform_values(" + t + ", (k, v) -> regexp_replace(v, e.raw_regex_ci, '[erased]'))"
                + " ELSE " + t + " END");
      } else if (type instanceof ArrayType a && a.elementType() instanceof StringType && PERSON_ARRAY.contains(c)) {
        String when = is("arrays_overlap(" + t + ", e.persons)");
        changes.add(when);
        updates.put(c, "CASE WHEN " + when + " THEN array_except(" + t + ", e.persons) ELSE " + t + " END");
      } else if (string && c.equals(COMMUNITY)) {
        String renamed = "e.communities[concat(" + t + ", '|', " + (dateColumn == null ? "''" : "cast(t.`" + dateColumn + "` AS STRING)") + ")]";
        String erased = is("array_contains(e.persons, " + t + ")");
        deletes.add("(" + erased + " AND " + renamed + " IS NULL)");
        changes.add(erased);
        updates.put(c, "CASE WHEN " + erased + " THEN " + renamed + " ELSE " + t + " END");
      } else if (DERIVED.contains(c)) {
        derived.add(c);
        continue;
      } else {
        if (holdsText(type) && LOOKS_PERSONAL.matcher(c).matches() && !NOT_PERSONAL.contains(c)) {
          throw new CdxException(
              "Cannot erase from " + table + ": column " + c + " (" + type.simpleString()
                  + ") looks personal and no erasure rule covers it; add a rule to ErasureRules");
        }
        continue;
      }
      personal.add(c);
    }
    if (!derived.isEmpty() && deletes.isEmpty() && !derived.stream().allMatch(d -> d.endsWith("event_id"))) {
      throw new CdxException(
          "Cannot erase from " + table + ": columns " + derived + " derive from a person but the table has no"
              + " person or identifier column to delete by; add a rule to ErasureRules");
    }
    return new Plan(
        table,
        deletes.isEmpty() ? null : String.join(" OR ", deletes),
        changes.isEmpty() ? null : String.join(" OR ", changes),
        updates,
        personal);
  }

  /** The column a dated table is keyed by ({@code run_date}, {@code report_date}, {@code snapshot_date}). */
  static String dateColumn(StructType schema) {
    for (String c : List.of("run_date", "report_date", "snapshot_date")) {
      if (List.of(schema.fieldNames()).contains(c)) {
        return c;
      }
    }
    return null;
  }

  private static boolean holdsText(DataType type) {
    return type instanceof StringType
        || type instanceof MapType
        || (type instanceof ArrayType a && a.elementType() instanceof StringType);
  }

  private static String is(String condition) {
    return "coalesce(" + condition + ", false)";
  }
}
