package org.customerdynamics.bench;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * The figures of a benchmark run and how they are written: a markdown section (replaced between two
 * markers on a rerun, the rest of the page kept) and a CSV with one row per scale and measure. Pure
 * logic, no Spark.
 */
final class BenchReport {
  static final String BEGIN = "<!-- bench:results:begin (written by bin/bench; edits here are replaced) -->";
  static final String END = "<!-- bench:results:end -->";
  static final String CSV_HEADER = "scale,measure,value,unit,baseline,ratio,goal,status,note";

  private BenchReport() {}

  /**
   * A goal on a ratio (ours / baseline, or baseline / ours for speed-ups), reported as met or not.
   *
   * @param atLeast true for "ratio ≥ threshold", false for "ratio ≤ threshold"
   * @param label the goal's text when it is not a ratio (e.g. "runs to the end", met when ratio is
   *     1, not met when 0), else null
   */
  record Goal(boolean atLeast, double threshold, String label) {
    boolean met(double ratio) {
      return atLeast ? ratio >= threshold : ratio <= threshold;
    }

    String text() {
      return label != null ? label : (atLeast ? "≥ " : "≤ ") + trim(threshold) + "×";
    }
  }

  /**
   * One figure.
   *
   * @param value our figure (NaN when not measured)
   * @param baseline the peer's figure beside it, NaN when there is none
   * @param ratio the figure the goal is on, NaN when there is none
   * @param goal null when no goal is set
   */
  record Row(
      long scale, String measure, double value, String unit, double baseline, double ratio, Goal goal, String note) {
    static Row info(long scale, String measure, double value, String unit, String note) {
      return new Row(scale, measure, value, unit, Double.NaN, Double.NaN, null, note);
    }

    String status() {
      if (goal == null) {
        return "";
      }
      if (Double.isNaN(ratio) || Double.isInfinite(ratio)) {
        return "not measured";
      }
      return goal.met(ratio) ? "met" : "not met";
    }
  }

  /**
   * Persons to generate so that {@code days} days hold about {@code events} events, given the
   * generator's measured events per person and day; at least the generator's minimum of 10.
   */
  static int personsFor(long events, double eventsPerPersonDay, int days) {
    if (eventsPerPersonDay <= 0 || days < 1) {
      throw new IllegalArgumentException(
          "Cannot size the data: events per person and day must be > 0 and days ≥ 1, got "
              + eventsPerPersonDay + " and " + days);
    }
    long persons = Math.round(events / (eventsPerPersonDay * days));
    if (persons > Integer.MAX_VALUE) {
      throw new IllegalArgumentException("Cannot size the data: " + persons + " persons is too many");
    }
    return (int) Math.max(10, persons);
  }

  /** The markdown table of the rows, one line per row, in order. */
  static String table(List<Row> rows) {
    StringBuilder b = new StringBuilder();
    b.append("| scale (events) | measure | ours | baseline | ratio | goal | status | note |\n");
    b.append("|---:|---|---:|---:|---:|---|---|---|\n");
    for (Row r : rows) {
      b.append("| ")
          .append(String.format(Locale.ROOT, "%,d", r.scale()))
          .append(" | ").append(r.measure())
          .append(" | ").append(figure(r.value(), r.unit()))
          .append(" | ").append(figure(r.baseline(), r.unit()))
          .append(" | ").append(Double.isNaN(r.ratio()) || (r.goal() != null && r.goal().label() != null)
              ? "" : String.format(Locale.ROOT, "%.2f×", r.ratio()))
          .append(" | ").append(r.goal() == null ? "" : r.goal().text())
          .append(" | ").append(r.status().equals("met") ? "met" : r.status().isEmpty() ? "" : "**" + r.status() + "**")
          .append(" | ").append(r.note() == null ? "" : r.note().replace("|", "\\|"))
          .append(" |\n");
    }
    return b.toString();
  }

  /** The CSV: a header, then one line per row. */
  static String csv(List<Row> rows) {
    StringBuilder b = new StringBuilder(CSV_HEADER).append('\n');
    for (Row r : rows) {
      List<String> cells = new ArrayList<>();
      cells.add(Long.toString(r.scale()));
      cells.add(r.measure());
      cells.add(number(r.value()));
      cells.add(r.unit());
      cells.add(number(r.baseline()));
      cells.add(number(r.ratio()));
      cells.add(r.goal() == null ? "" : r.goal().text());
      cells.add(r.status());
      cells.add(r.note() == null ? "" : r.note());
      b.append(String.join(",", cells.stream().map(BenchReport::csvCell).toList())).append('\n');
    }
    return b.toString();
  }

  /**
   * The page with its results section replaced by {@code section}; a page without the markers gets
   * the section appended (an empty page: {@code title} first).
   */
  static String replaceSection(String page, String section, String title) {
    String block = BEGIN + "\n" + section + (section.endsWith("\n") ? "" : "\n") + END + "\n";
    if (page == null || page.isBlank()) {
      return "# " + title + "\n\n" + block;
    }
    int begin = page.indexOf(BEGIN);
    int end = page.indexOf(END);
    if (begin < 0 || end < begin) {
      return page + (page.endsWith("\n") ? "\n" : "\n\n") + block;
    }
    int after = end + END.length();
    if (after < page.length() && page.charAt(after) == '\n') {
      after++;
    }
    return page.substring(0, begin) + block + page.substring(after);
  }

  static String csvCell(String s) {
    if (s.contains(",") || s.contains("\"") || s.contains("\n")) {
      return "\"" + s.replace("\"", "\"\"") + "\"";
    }
    return s;
  }

  private static String number(double v) {
    if (Double.isNaN(v)) {
      return "";
    }
    return v == Math.rint(v) && Math.abs(v) < 1e15
        ? Long.toString((long) v)
        : String.format(Locale.ROOT, "%.4f", v);
  }

  private static String figure(double v, String unit) {
    if (Double.isNaN(v)) {
      return "";
    }
    String n =
        v == Math.rint(v) || Math.abs(v) >= 1000
            ? String.format(Locale.ROOT, "%,.0f", v)
            : String.format(Locale.ROOT, "%,.2f", v);
    return unit.isEmpty() ? n : n + " " + unit;
  }

  private static String trim(double v) {
    return v == Math.rint(v) ? Long.toString((long) v) : Double.toString(v);
  }
}
