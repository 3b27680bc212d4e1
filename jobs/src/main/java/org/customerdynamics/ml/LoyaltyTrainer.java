package org.customerdynamics.ml;

import static org.apache.spark.sql.functions.*;

import java.sql.Date;
import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.config.CdxConfig;

/**
 * Loyalty: the propensity of a customer to buy again within the horizon (logistic regression),
 * trained on older snapshots and evaluated on the latest labelled one; expected value = propensity ×
 * the customer's average order value; tiers by cut points on expected value, fixed at training.
 */
final class LoyaltyTrainer implements Trainer {
  static final List<String> FEATURES = ChurnTrainer.FEATURES;

  private final SparkSession spark;
  private final CdxConfig config;
  private final MlConfig.Loyalty loyalty;

  LoyaltyTrainer(SparkSession spark, CdxConfig config) {
    this.spark = spark;
    this.config = config;
    this.loyalty = config.ml().loyalty();
  }

  /** Expected value over the horizon: propensity × average order value (fallback when none). */
  static Column expectedValue(Column p, double fallbackOrderValue) {
    Column aov = when(col("purchases_90d").gt(0), col("monetary_90d").divide(col("purchases_90d"))).otherwise(lit(fallbackOrderValue));
    return p.multiply(aov);
  }

  @Override
  public Trained train(LocalDate runDate, long version) {
    int h = loyalty.horizonDays();
    TrainingWindow window = TrainingWindow.of(spark, config, runDate, h, loyalty.snapshots(), loyalty.everyDays());
    List<LocalDate> dates = window.dates();
    LocalDate eval = window.eval();
    Dataset<Row> features = window.features();
    Dataset<Row> silver = window.silver();
    spark.sparkContext().setJobGroup("train-loyalty", "train loyalty: labels", false);
    Dataset<Row> population = LabelTransforms.customerPopulation(features);
    Dataset<Row> labels = LabelTransforms.repeatLabels(LabelTransforms.outcomes(population, silver, h));
    Dataset<Row> labelled =
        population.join(labels, FeatureTransforms.scala(List.of("person_id", "snapshot_date")), "inner").cache();
    Dataset<Row> train = labelled.filter(col("snapshot_date").lt(lit(Date.valueOf(eval))));
    Dataset<Row> test = labelled.filter(col("snapshot_date").equalTo(lit(Date.valueOf(eval))));
    if (config.ml().shuffleLabels()) {
      train = LabelTransforms.shuffleLabels(train, config.ml().seed());
    }
    Row counts = train.agg(count(lit(1)), sum("label"), sum("monetary_90d"), sum("purchases_90d")).head();
    long n = counts.getLong(0);
    double positives = counts.isNullAt(1) ? 0 : counts.getDouble(1);
    long nTest = test.count();
    if (n == 0 || positives == 0 || positives == n || nTest == 0) {
      throw new CdxException(
          "Cannot train loyalty for " + runDate + ": the labelled snapshots " + dates + " hold " + n
              + " training rows (" + (long) positives + " repeat buyers) and " + nTest
              + " test rows; both classes are needed; use a later --run-date or a shorter ml.loyalty.horizon-days");
    }
    double fallbackOrderValue = counts.getDouble(3) > 0 ? counts.getDouble(2) / counts.getDouble(3) : 0.0;
    spark.sparkContext().setJobGroup("train-loyalty", "train loyalty: fit", false);
    PipelineModel model =
        Pipelines.classifier(FEATURES, Pipelines.LR, config.ml().seed(), config.ml().churn().maxIter(), null).fit(train);
    Dataset<Row> scored =
        model.transform(test)
            .withColumn("p", ModelTransforms.positiveProbability())
            .withColumn("expected_value", expectedValue(col("p"), fallbackOrderValue))
            .select("person_id", "label", "p", "expected_value", "value_after")
            .cache();
    Map<String, Double> metrics = new LinkedHashMap<>(ModelTransforms.aucs(scored));
    metrics.put("log_loss", ModelTransforms.logLoss(scored));
    metrics.put("base_rate", scored.agg(avg("label")).head().getDouble(0));
    Row corr = scored.agg(corr("expected_value", "value_after")).head();
    metrics.put("value_correlation", corr.isNullAt(0) ? Double.NaN : corr.getDouble(0));
    List<Double> shares = loyalty.tierShares();
    double[] probs = {1 - shares.get(0), 1 - shares.get(0) - shares.get(1), 1 - shares.get(0) - shares.get(1) - shares.get(2)};
    double[] cuts = scored.stat().approxQuantile("expected_value", probs, 0.001);
    metrics.put("tier_cut_platinum", cuts[0]);
    metrics.put("tier_cut_gold", cuts[1]);
    metrics.put("tier_cut_silver", cuts[2]);
    metrics.put("fallback_order_value", fallbackOrderValue);
    Map<String, Object> tiers = new LinkedHashMap<>();
    for (Row r :
        scored
            .withColumn("tier", ModelTransforms.tier(col("expected_value"), cuts[0], cuts[1], cuts[2]))
            .groupBy("tier")
            .agg(count(lit(1)).as("n"), avg("label").as("repeat_rate"), avg("value_after").as("realised_value"))
            .collectAsList()) {
      tiers.put(r.getString(0), Map.of("n", r.getLong(1), "repeat_rate", r.getDouble(2), "realised_value", r.getDouble(3)));
      metrics.put("realised_value_" + r.getString(0), r.getDouble(3));
    }
    metrics.put("n_train", (double) n);
    metrics.put("n_test", (double) nTest);
    scored.unpersist();
    labelled.unpersist();
    spark.sparkContext().clearJobGroup();
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("horizon_days", h);
    params.put("snapshots", dates.stream().map(LocalDate::toString).toList());
    params.put("tier_shares", shares);
    params.put("seed", config.ml().seed());
    params.put("shuffle_labels", config.ml().shuffleLabels());
    return new Trained(
        Pipelines.LR, params, FEATURES, dates.get(0), eval.plusDays(h), eval,
        window.inputVersions(),
        metrics, Map.of("tiers_on_test", tiers), "auc_roc", loyalty.aucFloor(), model);
  }
}
