package org.customerdynamics.segments;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.catalyst.expressions.Expression;
import org.apache.spark.sql.catalyst.parser.CatalystSqlParser$;
import org.apache.spark.sql.catalyst.trees.TreePattern;
import org.customerdynamics.common.CdxException;

/**
 * A segment rule: a Spark SQL predicate over the segment columns (docs/segments.md), checked without
 * a Spark session. Besides plain Spark SQL it accepts {@code 'v' IN col} and {@code 'v' NOT IN col}
 * for the array columns ({@code channels}, {@code channels_used}, {@code top_reasons}), rewritten to
 * {@code array_contains}; that form is not valid Spark SQL otherwise, so no valid predicate changes
 * meaning. Subqueries are rejected: a rule filters the segment columns and reads no other table.
 *
 * @param text the rule as given
 * @param sql the Spark SQL predicate to evaluate
 */
public record SegmentRule(String text, String sql) {
  private static final Pattern MEMBERSHIP =
      Pattern.compile(
          "('(?:[^'\\\\]|\\\\.)*')\\s+(NOT\\s+)?IN\\s+(channels_used|channels|top_reasons)\\b(?!\\s*\\()",
          Pattern.CASE_INSENSITIVE);

  /** Parses and checks a rule; a usage error naming the rule when it is not a usable predicate. */
  public static SegmentRule parse(String text) {
    if (text == null || text.isBlank()) {
      throw CdxException.usage("Cannot use rule \"\": it is empty; give a Spark SQL predicate, e.g. \"churn_band = 'high'\"");
    }
    String sql = rewrite(text.strip());
    Expression expression;
    try {
      expression = CatalystSqlParser$.MODULE$.parseExpression(sql);
    } catch (Exception e) { // ParseException, an AnalysisException, is undeclared (Scala)
      if (!(e instanceof AnalysisException)) {
        throw e;
      }
      throw CdxException.usage("Cannot use rule \"" + text + "\": not a Spark SQL predicate: " + firstLine(e.getMessage()));
    }
    if (expression.containsPattern(TreePattern.PLAN_EXPRESSION())) {
      throw CdxException.usage(
          "Cannot use rule \"" + text + "\": subqueries are not allowed; a rule filters the segment columns only");
    }
    return new SegmentRule(text, sql);
  }

  static String rewrite(String text) {
    Matcher m = MEMBERSHIP.matcher(text);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String replacement = (m.group(2) != null ? "NOT " : "") + "array_contains(" + m.group(3) + ", " + m.group(1) + ")";
      m.appendReplacement(out, Matcher.quoteReplacement(replacement));
    }
    m.appendTail(out);
    return out.toString();
  }

  /** The first non-blank line of an error message (Spark's parse errors begin with a blank one). */
  static String firstLine(String s) {
    if (s == null) {
      return "(no message)";
    }
    return s.lines().map(String::strip).filter(l -> !l.isEmpty()).findFirst().orElse("(no message)").replaceAll(";+$", "");
  }
}
