package org.customerdynamics.ml;

import static org.apache.spark.sql.functions.*;

import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.config.CdxConfig;

/**
 * Churn: labelled snapshots at E = D − H, E − every, …; the latest labelled snapshot is the test
 * period, the one before it the validation period (model choice and threshold), the older ones the
 * training set. Classes are balanced by row weights (logistic regression). Candidates: logistic
 * regression and gradient-boosted trees; the better validation AUC-ROC wins. With a ground truth
 * (demo), the test snapshot is also scored against the planted churners.
 */
final class ChurnTrainer implements Trainer {
  /**
   * Model inputs: recency, the person's trend against their own baseline, activity and support
   * rates per observed day (not raw counts, which grow with the history available and so differ
   * between an early training snapshot and a later scoring one), ratings and text sentiment, and
   * churn among social neighbours.
   */
  static final List<String> FEATURES =
      List.of(
          "recency_days", "engagement_trend", "activity_drift", "event_rate_28d", "active_share_28d",
          "session_rate_28d", "purchase_rate_28d", "support_rate_28d", "complaint_rate_28d",
          "low_rating_rate_90d", "avg_rating_90d", "text_sentiment_28d", "negative_text_rate_28d",
          "community_churn_rate", "churned_neighbour_share");

  private final SparkSession spark;
  private final CdxConfig config;
  private final MlConfig.Churn churn;
  private final GroundTruth truth;

  ChurnTrainer(SparkSession spark, CdxConfig config, GroundTruth truth) {
    this.spark = spark;
    this.config = config;
    this.churn = config.ml().churn();
    this.truth = truth;
  }

  @Override
  public Trained train(LocalDate runDate, long version) {
    int h = churn.horizonDays();
    TrainingWindow window = TrainingWindow.of(spark, config, runDate, h, churn.snapshots(), churn.everyDays());
    List<LocalDate> dates = window.dates();
    LocalDate eval = window.eval();
    Dataset<Row> features = window.features();
    Dataset<Row> silver = window.silver();

    spark.sparkContext().setJobGroup("train-churn", "train churn: labels", false);
    Dataset<Row> population = LabelTransforms.churnPopulation(features, churn.activeDays());
    Dataset<Row> labels = LabelTransforms.churnLabels(LabelTransforms.outcomes(population, silver, h), churn.label());
    Dataset<Row> labelled =
        population.join(labels, FeatureTransforms.scala(List.of("person_id", "snapshot_date")), "inner").cache();

    LocalDate validationDate = dates.size() >= 3 ? dates.get(dates.size() - 2) : eval;
    List<LocalDate> trainDates = dates.subList(0, dates.size() >= 3 ? dates.size() - 2 : dates.size() - 1);
    Dataset<Row> train =
        labelled.filter(col("snapshot_date").isin(trainDates.stream().map(Date::valueOf).toArray()));
    Dataset<Row> validation = labelled.filter(col("snapshot_date").equalTo(lit(Date.valueOf(validationDate))));
    Dataset<Row> test = labelled.filter(col("snapshot_date").equalTo(lit(Date.valueOf(eval))));
    Dataset<Row> truthTest = truth == null ? null : truth.withChurnTruth(test, h).cache();
    if (config.ml().shuffleLabels()) {
      train = LabelTransforms.shuffleLabels(train, config.ml().seed());
    }
    Row counts = train.agg(count(lit(1)), sum("label")).head();
    long n = counts.getLong(0);
    double positives = counts.isNullAt(1) ? 0 : counts.getDouble(1);
    long nTest = test.count();
    if (n == 0 || positives == 0 || positives == n || nTest == 0) {
      throw new CdxException(
          "Cannot train churn for " + runDate + ": the labelled snapshots " + dates + " hold " + n
              + " training rows (" + (long) positives + " churners) and " + nTest
              + " test rows; both classes are needed; use a later --run-date or a shorter ml.churn.horizon-days");
    }
    double wPos = n / (2.0 * positives);
    double wNeg = n / (2.0 * (n - positives));
    train = train.withColumn("weight", when(col("label").equalTo(1.0), wPos).otherwise(wNeg));

    Map<String, Double> metrics = new LinkedHashMap<>();
    Map<String, Object> candidates = new LinkedHashMap<>();
    PipelineModel best = null;
    String bestAlgorithm = null;
    double bestValidation = -1;
    for (String algorithm : churn.algorithms()) {
      spark.sparkContext().setJobGroup("train-churn", "train churn: fit " + algorithm, false);
      PipelineModel model =
          Pipelines.classifier(FEATURES, algorithm, config.ml().seed(), churn.maxIter(), "weight").fit(train);
      double validationAuc = ModelTransforms.aucs(scored(model, validation)).get("auc_roc");
      Map<String, Double> testAucs = ModelTransforms.aucs(scored(model, test));
      double testAuc = testAucs.get("auc_roc");
      metrics.put("validation_auc_roc_" + algorithm, validationAuc);
      metrics.put("test_auc_roc_" + algorithm, testAuc);
      metrics.put("test_auc_pr_" + algorithm, testAucs.get("auc_pr"));
      Map<String, Object> candidate = new LinkedHashMap<>();
      candidate.put("validation_auc_roc", validationAuc);
      candidate.put("test_auc_roc", testAuc);
      candidate.put("test_auc_pr", testAucs.get("auc_pr"));
      if (truthTest != null) {
        Map<String, Double> t = ModelTransforms.aucs(scored(model, truthTest));
        metrics.put("truth_auc_roc_" + algorithm, t.get("auc_roc"));
        metrics.put("truth_auc_pr_" + algorithm, t.get("auc_pr"));
        candidate.put("truth_auc_roc", t.get("auc_roc"));
        candidate.put("truth_auc_pr", t.get("auc_pr"));
      }
      candidates.put(algorithm, candidate);
      if (validationAuc > bestValidation) {
        bestValidation = validationAuc;
        best = model;
        bestAlgorithm = algorithm;
      }
    }
    spark.sparkContext().setJobGroup("train-churn", "train churn: evaluate " + bestAlgorithm, false);
    double threshold = ModelTransforms.bestF1Threshold(scored(best, validation));
    Dataset<Row> scoredTest = scored(best, test).cache();
    metrics.putAll(ModelTransforms.aucs(scoredTest));
    double[] prf = ModelTransforms.precisionRecallF1(scoredTest, threshold);
    metrics.put("threshold", threshold);
    metrics.put("precision", prf[0]);
    metrics.put("recall", prf[1]);
    metrics.put("f1", prf[2]);
    metrics.put("log_loss", ModelTransforms.logLoss(scoredTest));
    metrics.put("base_rate", scoredTest.agg(avg("label")).head().getDouble(0));
    metrics.put("n_train", (double) n);
    metrics.put("n_train_churners", positives);
    metrics.put("n_test", (double) nTest);
    List<Map<String, Object>> lift = new ArrayList<>();
    for (Row r : ModelTransforms.liftTable(scoredTest).collectAsList()) {
      lift.add(Map.of(
          "decile", r.getInt(0), "n", r.getLong(1), "positives", r.getDouble(2),
          "rate", r.getDouble(3), "lift", r.getDouble(4)));
    }
    metrics.put("lift_top_decile", lift.isEmpty() ? Double.NaN : (Double) lift.get(0).get("lift"));
    if (truthTest != null) {
      Map<String, Double> t = ModelTransforms.aucs(scored(best, truthTest));
      metrics.put("truth_auc_roc", t.get("auc_roc"));
      metrics.put("truth_auc_pr", t.get("auc_pr"));
      metrics.put("truth_churners", truthTest.agg(sum("label")).head().getDouble(0));
      truthTest.unpersist();
    }
    scoredTest.unpersist();
    labelled.unpersist();
    spark.sparkContext().clearJobGroup();

    Map<String, Object> params = new LinkedHashMap<>();
    params.put("label_rule", churn.label());
    params.put("horizon_days", h);
    params.put("active_days", churn.activeDays());
    params.put("snapshots", dates.stream().map(LocalDate::toString).toList());
    params.put("max_iter", churn.maxIter());
    params.put("seed", config.ml().seed());
    params.put("class_weights", Map.of("churn", wPos, "stay", wNeg));
    params.put("shuffle_labels", config.ml().shuffleLabels());
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("candidates", candidates);
    details.put("lift", lift);
    details.put("train_snapshots", trainDates.stream().map(LocalDate::toString).toList());
    details.put("validation_snapshot", validationDate.toString());
    return new Trained(
        bestAlgorithm, params, FEATURES, dates.get(0), eval.plusDays(h), eval,
        window.inputVersions(),
        metrics, details, "auc_roc", churn.aucFloor(), best);
  }

  static Dataset<Row> scored(PipelineModel model, Dataset<Row> data) {
    return model.transform(data).select(col("person_id"), col("label"), ModelTransforms.positiveProbability().as("p"));
  }
}
