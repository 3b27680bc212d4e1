package org.customerdynamics.ml;

import static org.apache.spark.sql.functions.*;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.functions;
import org.apache.spark.ml.evaluation.BinaryClassificationEvaluator;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.expressions.Window;

/** Scores, reasons, bands and the evaluation of binary classifiers: built-ins only, no UDFs. */
public final class ModelTransforms {
  private ModelTransforms() {}

  /** The positive-class probability of a classifier's {@code probability} vector, as column {@code p}. */
  public static Column positiveProbability() {
    return functions.vector_to_array(col("probability"), "float64").getItem(1);
  }

  /**
   * Top reasons per row: each feature's contribution is {@code weight × z} (linear models: weight is
   * the coefficient) or {@code weight × |z|} (trees: weight is the feature importance, z tells the
   * direction); the {@code k} largest positive contributions, as "feature high|low (+0.42)".
   *
   * @param scaled column of standardised feature vectors (z-scores)
   */
  public static Column topReasons(Column scaled, List<String> names, double[] weights, boolean linear, int k) {
    Column z = functions.vector_to_array(scaled, "float64");
    List<Column> w = new ArrayList<>();
    List<Column> n = new ArrayList<>();
    for (int i = 0; i < names.size(); i++) {
      w.add(lit(weights[i]));
      n.add(lit(names.get(i)));
    }
    Column contributions =
        zip_with(z, array(w.toArray(new Column[0])), (x, wt) -> linear ? x.multiply(wt) : abs(x).multiply(wt));
    Column items =
        zip_with(
            zip_with(contributions, array(n.toArray(new Column[0])), (c, nm) -> struct(c.as("c"), nm.as("n"))),
            z,
            (s, x) -> struct(s.getField("c").as("c"), s.getField("n").as("n"), x.as("z")));
    Column sorted = sort_array(filter(items, s -> s.getField("c").gt(1e-9)), false);
    return transform(
        slice(sorted, 1, k),
        s ->
            concat(
                s.getField("n"),
                when(s.getField("z").geq(0), lit(" high")).otherwise(lit(" low")),
                lit(" (+"),
                format_number(s.getField("c"), 2),
                lit(")")));
  }

  /** Churn risk band: high at or above the chosen threshold, medium above half of it, else low. */
  public static Column riskBand(Column score, double threshold) {
    return when(score.geq(threshold), "high").when(score.geq(threshold / 2), "medium").otherwise("low");
  }

  /** Tier by cut points on a score (descending): platinum, gold, silver, bronze. */
  public static Column tier(Column score, double platinum, double gold, double silver) {
    return when(score.geq(platinum), "platinum")
        .when(score.geq(gold), "gold")
        .when(score.geq(silver), "silver")
        .otherwise("bronze");
  }

  /** Decile lift table of a scored set (columns p, label): decile 1 holds the highest scores. */
  public static Dataset<Row> liftTable(Dataset<Row> scored) {
    double base = scored.agg(avg("label")).head().getDouble(0);
    return scored
        .withColumn("decile", ntile(10).over(Window.orderBy(col("p").desc(), col("person_id"))))
        .groupBy("decile")
        .agg(count(lit(1)).as("n"), sum("label").as("positives"), min("p").as("min_score"))
        .select(
            col("decile"),
            col("n"),
            col("positives"),
            col("positives").divide(col("n")).as("rate"),
            col("positives").divide(col("n")).divide(lit(Math.max(base, 1e-9))).as("lift"),
            col("min_score"))
        .orderBy("decile");
  }

  /** AUC-ROC and AUC-PR of a scored set (columns p, label). */
  public static Map<String, Double> aucs(Dataset<Row> scored) {
    var ev = new BinaryClassificationEvaluator().setRawPredictionCol("p").setLabelCol("label");
    Map<String, Double> m = new LinkedHashMap<>();
    m.put("auc_roc", ev.setMetricName("areaUnderROC").evaluate(scored));
    m.put("auc_pr", ev.setMetricName("areaUnderPR").evaluate(scored));
    return m;
  }

  /** Mean log loss of a scored set (columns p, label), probabilities clipped to [1e-7, 1 - 1e-7]. */
  public static double logLoss(Dataset<Row> scored) {
    Column p = greatest(lit(1e-7), least(lit(1 - 1e-7), col("p")));
    return scored
        .agg(avg(col("label").multiply(log(p)).plus(lit(1.0).minus(col("label")).multiply(log(lit(1.0).minus(p)))).multiply(-1)))
        .head()
        .getDouble(0);
  }

  /** Precision, recall and F1 at a threshold (columns p, label). */
  public static double[] precisionRecallF1(Dataset<Row> scored, double threshold) {
    Row r =
        scored
            .agg(
                sum(when(col("p").geq(threshold).and(col("label").equalTo(1.0)), 1).otherwise(0)).as("tp"),
                sum(when(col("p").geq(threshold).and(col("label").equalTo(0.0)), 1).otherwise(0)).as("fp"),
                sum(when(col("p").lt(threshold).and(col("label").equalTo(1.0)), 1).otherwise(0)).as("fn"))
            .head();
    double tp = r.getLong(0);
    double fp = r.getLong(1);
    double fn = r.getLong(2);
    double precision = tp + fp == 0 ? 0 : tp / (tp + fp);
    double recall = tp + fn == 0 ? 0 : tp / (tp + fn);
    double f1 = precision + recall == 0 ? 0 : 2 * precision * recall / (precision + recall);
    return new double[] {precision, recall, f1};
  }

  /** The threshold in 0.05 … 0.95 that maximises F1 on a scored set (columns p, label). */
  public static double bestF1Threshold(Dataset<Row> scored) {
    List<Column> aggs = new ArrayList<>();
    int steps = 19;
    for (int i = 1; i <= steps; i++) {
      double t = i * 0.05;
      aggs.add(sum(when(col("p").geq(t).and(col("label").equalTo(1.0)), 1).otherwise(0)));
      aggs.add(sum(when(col("p").geq(t), 1).otherwise(0)));
    }
    aggs.add(sum(col("label")));
    Row r = scored.agg(aggs.get(0), aggs.subList(1, aggs.size()).toArray(new Column[0])).head();
    double positives = r.getDouble(2 * steps);
    double best = 0.5;
    double bestF1 = -1;
    for (int i = 0; i < steps; i++) {
      double tp = r.getLong(2 * i);
      double predicted = r.getLong(2 * i + 1);
      double f1 = predicted + positives == 0 ? 0 : 2 * tp / (predicted + positives);
      if (f1 > bestF1 + 1e-12) {
        bestF1 = f1;
        best = (i + 1) * 0.05;
      }
    }
    return Math.round(best * 100) / 100.0;
  }
}
