package org.customerdynamics.ml;

import static org.apache.spark.sql.functions.*;

import java.time.LocalDate;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.classification.LogisticRegression;
import org.apache.spark.ml.evaluation.MulticlassClassificationEvaluator;
import org.apache.spark.ml.feature.HashingTF;
import org.apache.spark.ml.feature.IDF;
import org.apache.spark.ml.feature.RegexTokenizer;
import org.apache.spark.ml.feature.StopWordsRemover;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;

/**
 * Sentiment: tokenise → stop words → hashed term frequencies → IDF → logistic regression, trained on
 * rated feedback (rating ≤ 2 negative, ≥ 4 positive) and evaluated on a seeded held-out share.
 */
final class SentimentTrainer implements Trainer {
  private final SparkSession spark;
  private final Lakehouse lakehouse;
  private final CdxConfig config;

  SentimentTrainer(SparkSession spark, CdxConfig config) {
    this.spark = spark;
    this.lakehouse = new Lakehouse(spark, config);
    this.config = config;
  }

  static Pipeline pipeline(int numFeatures, int maxIter) {
    var tokenizer = new RegexTokenizer().setInputCol("text").setOutputCol("tokens").setPattern("[^\\p{L}]+").setToLowercase(true);
    var stop = new StopWordsRemover().setInputCol("tokens").setOutputCol("words");
    var tf = new HashingTF().setInputCol("words").setOutputCol("tf").setNumFeatures(numFeatures);
    var idf = new IDF().setInputCol("tf").setOutputCol("tfidf");
    var lr = new LogisticRegression().setFeaturesCol("tfidf").setLabelCol("label").setMaxIter(maxIter).setRegParam(0.01);
    return new Pipeline().setStages(new PipelineStage[] {tokenizer, stop, tf, idf, lr});
  }

  @Override
  public Trained train(LocalDate runDate, long version) {
    var settings = config.ml().sentiment();
    long silverVersion = lakehouse.version(FeaturesJob.INTERACTIONS);
    spark.sparkContext().setJobGroup("train-sentiment", "train sentiment: rated feedback", false);
    Dataset<Row> rated =
        SentimentTransforms.ratedTexts(lakehouse.readVersion(FeaturesJob.INTERACTIONS, silverVersion), runDate)
            .orderBy("event_id");
    if (config.ml().shuffleLabels()) {
      rated = LabelTransforms.shuffleLabels(rated.withColumn("person_id", col("event_id")).withColumn("snapshot_date", lit(null).cast("date")), config.ml().seed())
          .drop("person_id", "snapshot_date");
    }
    Dataset<Row>[] split = rated.randomSplit(new double[] {1 - settings.testShare(), settings.testShare()}, config.ml().seed());
    Dataset<Row> train = split[0].cache();
    Dataset<Row> test = split[1].cache();
    long nTrain = train.count();
    long nTest = test.count();
    if (nTrain < 10 || nTest == 0 || train.select("label").distinct().count() < 2) {
      throw new CdxException(
          "Cannot train sentiment for " + runDate + ": only " + nTrain + " rated texts to train on and " + nTest
              + " held out, or a single class; wait for more rated feedback (reviews, surveys) in silver.interactions");
    }
    PipelineModel model = pipeline(settings.numFeatures(), 50).fit(train);
    Dataset<Row> predicted = model.transform(test);
    var ev = new MulticlassClassificationEvaluator().setLabelCol("label").setPredictionCol("prediction");
    Map<String, Double> metrics = new LinkedHashMap<>();
    metrics.put("accuracy", ev.setMetricName("accuracy").evaluate(predicted));
    metrics.put("f1", ev.setMetricName("f1").evaluate(predicted));
    metrics.putAll(ModelTransforms.aucs(predicted.select(col("label"), ModelTransforms.positiveProbability().as("p"))));
    metrics.put("n_train", (double) nTrain);
    metrics.put("n_test", (double) nTest);
    metrics.put("positive_share", train.agg(avg("label")).head().getDouble(0));
    train.unpersist();
    test.unpersist();
    spark.sparkContext().clearJobGroup();
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("num_features", settings.numFeatures());
    params.put("test_share", settings.testShare());
    params.put("seed", config.ml().seed());
    params.put("label_rule", "rating <= 2 negative, rating >= 4 positive, 3 left out");
    params.put("shuffle_labels", config.ml().shuffleLabels());
    return new Trained(
        "tfidf-logistic-regression", params, List.of("text"), null, runDate, runDate,
        Map.of(FeaturesJob.INTERACTIONS, silverVersion), metrics, Map.of(), "accuracy",
        settings.accuracyFloor(), model);
  }

  /**
   * A model that becomes the champion is applied at once to every text up to the run date ({@code
   * gold.text_sentiment}), so that feature snapshots computed after training (the churn model's
   * sentiment features) read the new champion's view, not the previous one's or none.
   */
  @Override
  public void afterRecord(Trained trained, long version, boolean champion) {
    if (champion) {
      spark.sparkContext().setJobGroup("train-sentiment", "train sentiment: apply to every text", false);
      applyToTexts(lakehouse, trained.model(), version, trained.evalSnapshotDate());
      spark.sparkContext().clearJobGroup();
    }
  }

  /**
   * Scores every text up to {@code asOf} with {@code model} and replaces {@code gold.text_sentiment}
   * (event_id, person_id, event_date, event_type, channel, rated, sentiment in [-1, 1],
   * model_version).
   */
  static void applyToTexts(Lakehouse lakehouse, PipelineModel model, long version, LocalDate asOf) {
    Dataset<Row> texts = SentimentTransforms.texts(lakehouse.read(FeaturesJob.INTERACTIONS), asOf);
    Dataset<Row> scored =
        model.transform(texts)
            .select(
                col("event_id"), col("person_id"), col("event_date"), col("event_type"), col("channel"), col("rated"),
                ModelTransforms.positiveProbability().multiply(2).minus(1).as("sentiment"),
                lit(version).as("model_version"));
    lakehouse.overwrite(scored, FeaturesJob.TEXT_SENTIMENT);
  }
}
