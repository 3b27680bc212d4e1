package org.customerdynamics.ml;

import static org.apache.spark.sql.functions.*;

import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.ParallelWrites;
import org.customerdynamics.common.config.CdxConfig;

/**
 * Applies each model's champion (its latest promoted version) to the run date's snapshot and writes
 * {@code gold.scores} (one row per person and model, the model version on every row), plus the
 * sentiment tables ({@code gold.text_sentiment}, {@code gold.sentiment_scores}, {@code
 * gold.silent_unhappy}) and {@code gold.segments}. Dated tables are replaced for the run date only.
 */
public final class ScoreJob {
  public static final String SCORES = "gold.scores";
  public static final String SENTIMENT_SCORES = "gold.sentiment_scores";
  public static final String SILENT_UNHAPPY = "gold.silent_unhappy";
  public static final String SEGMENTS = "gold.segments";

  private final SparkSession spark;
  private final Lakehouse lakehouse;
  private final CdxConfig config;
  private final ModelRegistry registry;

  public ScoreJob(SparkSession spark, CdxConfig config) {
    this.spark = spark;
    this.lakehouse = new Lakehouse(spark, config);
    this.config = config;
    this.registry = new ModelRegistry(lakehouse);
  }

  /** Scores the run date; returns the champion versions used, by model. */
  public java.util.Map<String, Long> run(LocalDate runDate) {
    Date d = Date.valueOf(runDate);
    if (!lakehouse.exists(FeaturesJob.TABLE)
        || lakehouse.read(FeaturesJob.TABLE).filter(col("snapshot_date").equalTo(lit(d))).isEmpty()) {
      throw new CdxException(
          "Cannot score " + runDate + ": gold.features has no snapshot for that date; run features --run-date " + runDate + " first");
    }
    Dataset<Row> features = lakehouse.read(FeaturesJob.TABLE).filter(col("snapshot_date").equalTo(lit(d)));
    java.util.Map<String, Long> used = new java.util.LinkedHashMap<>();
    // Sentiment and segments write tables of their own before gold.scores (texts, sentiment scores,
    // the silent unhappy; segment assignments): the two run side by side (spark.write-threads).
    ParallelWrites branches = new ParallelWrites(spark, config.spark().writeThreads());
    List<Dataset<Row>> sentimentScores = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Dataset<Row>> segmentScores = new java.util.concurrent.CopyOnWriteArrayList<>();
    List<Dataset<Row>> modelScores = new ArrayList<>();
    Optional<ModelRegistry.Entry> sentiment = registry.champion("sentiment");
    if (sentiment.isPresent()) {
      branches.add(
          "sentiment: " + FeaturesJob.TEXT_SENTIMENT + ", " + SENTIMENT_SCORES + ", " + SILENT_UNHAPPY,
          () -> sentimentScores.add(sentiment(sentiment.get(), runDate, features)));
      used.put("sentiment", sentiment.get().version());
    }
    Optional<ModelRegistry.Entry> churn = registry.champion("churn");
    if (churn.isPresent()) {
      modelScores.add(churn(churn.get(), features));
      used.put("churn", churn.get().version());
    }
    Optional<ModelRegistry.Entry> loyalty = registry.champion("loyalty");
    if (loyalty.isPresent()) {
      modelScores.add(loyalty(loyalty.get(), features));
      used.put("loyalty", loyalty.get().version());
    }
    Optional<ModelRegistry.Entry> segments = registry.champion("segments");
    if (segments.isPresent()) {
      branches.add("segments: " + SEGMENTS, () -> segmentScores.add(segments(segments.get(), runDate, features)));
      used.put("segments", segments.get().version());
    }
    branches.run();
    List<Dataset<Row>> scores = new ArrayList<>(sentimentScores);
    scores.addAll(modelScores);
    scores.addAll(segmentScores);
    if (scores.isEmpty()) {
      throw new CdxException(
          "Cannot score " + runDate + ": gold.model_registry has no promoted model; run train --model churn (or loyalty, segments, sentiment) first");
    }
    spark.sparkContext().setJobGroup("score", "score: write gold.scores", false);
    Dataset<Row> all = scores.get(0);
    for (Dataset<Row> s : scores.subList(1, scores.size())) {
      all = all.unionByName(s);
    }
    lakehouse.replaceWhere(all, SCORES, "snapshot_date = DATE'" + runDate + "'", "snapshot_date");
    spark.sparkContext().clearJobGroup();
    return used;
  }

  private PipelineModel load(ModelRegistry.Entry e) {
    try {
      return PipelineModel.load(e.modelPath());
    } catch (RuntimeException ex) {
      throw new CdxException(
          "Cannot load " + e.modelName() + " v" + e.version() + " from " + e.modelPath() + ": " + ex.getMessage()
              + "; retrain the model or restore its folder", ex);
    }
  }

  private void requireFeatures(ModelRegistry.Entry e, Dataset<Row> features) {
    List<String> have = List.of(features.columns());
    for (String f : e.features()) {
      if (!have.contains(f)) {
        throw new CdxException(
            "Cannot score with " + e.modelName() + " v" + e.version() + ": gold.features has no column '" + f
                + "' that the model was trained on; recompute features with the matching version or retrain");
      }
    }
  }

  private static Column scoreRow(ModelRegistry.Entry e, Column score, Column band, Column reasons, Column value) {
    return struct(
        col("snapshot_date"), col("person_id"), lit(e.modelName()).as("model_name"), lit(e.version()).as("model_version"),
        score.cast("double").as("score"), band.as("band"), reasons.as("top_reasons"), value.cast("double").as("value"));
  }

  private static Dataset<Row> flatten(Dataset<Row> rows) {
    return rows.select("r.*").select(
        "snapshot_date", "person_id", "model_name", "model_version", "score", "band", "top_reasons", "value");
  }

  private Dataset<Row> churn(ModelRegistry.Entry e, Dataset<Row> features) {
    spark.sparkContext().setJobGroup("score", "score: churn v" + e.version(), false);
    requireFeatures(e, features);
    PipelineModel model = load(e);
    double threshold = e.metrics().getOrDefault("threshold", 0.5);
    Column p = ModelTransforms.positiveProbability();
    Column reasons = ModelTransforms.topReasons(col("scaled"), e.features(), Pipelines.reasonWeights(model), Pipelines.linear(model), 3);
    return flatten(
        model.transform(LabelTransforms.customerPopulation(features))
            .select(scoreRow(e, p, ModelTransforms.riskBand(p, threshold), reasons, lit(null)).as("r")));
  }

  private Dataset<Row> loyalty(ModelRegistry.Entry e, Dataset<Row> features) {
    spark.sparkContext().setJobGroup("score", "score: loyalty v" + e.version(), false);
    requireFeatures(e, features);
    PipelineModel model = load(e);
    Column p = ModelTransforms.positiveProbability();
    Column value = LoyaltyTrainer.expectedValue(p, e.metrics().getOrDefault("fallback_order_value", 0.0));
    Column tier = ModelTransforms.tier(value, e.metric("tier_cut_platinum"), e.metric("tier_cut_gold"), e.metric("tier_cut_silver"));
    Column reasons = ModelTransforms.topReasons(col("scaled"), e.features(), Pipelines.reasonWeights(model), true, 3);
    return flatten(
        model.transform(LabelTransforms.customerPopulation(features)).select(scoreRow(e, p, tier, reasons, value).as("r")));
  }

  private Dataset<Row> segments(ModelRegistry.Entry e, LocalDate runDate, Dataset<Row> features) {
    spark.sparkContext().setJobGroup("score", "score: segments v" + e.version(), false);
    requireFeatures(e, features);
    PipelineModel model = load(e);
    Dataset<Row> profiles =
        lakehouse.read(SegmentsTrainer.PROFILES).filter(col("model_version").equalTo(e.version()))
            .select("segment_id", "untapped", "untapped_score", "top_categories");
    Dataset<Row> lookalike = SegmentTransforms.lookalike(features, config.ml().segments().highValueShare());
    Dataset<Row> assigned =
        model.transform(features)
            .select(col("snapshot_date"), col("person_id"), col("is_customer"), col("segment_id").cast("int").as("segment_id"))
            .join(profiles, FeatureTransforms.scala(List.of("segment_id")), "left")
            .join(lookalike, FeatureTransforms.scala(List.of("person_id")), "left")
            .cache();
    lakehouse.replaceWhere(
        assigned.select(
            col("snapshot_date"), col("person_id"), col("segment_id"), coalesce(col("untapped"), lit(false)).as("untapped"),
            col("untapped_score"), col("is_customer").equalTo(1.0).as("is_customer"),
            when(col("is_customer").equalTo(0.0), col("lookalike_score")).as("lookalike_score"),
            lit(e.version()).as("model_version")),
        SEGMENTS, "snapshot_date = DATE'" + runDate + "'", "snapshot_date");
    Column reasons =
        concat(
            array(concat(lit("segment "), col("segment_id").cast("string"), when(col("untapped"), lit(" (untapped)")).otherwise(lit("")))),
            transform(coalesce(col("top_categories"), array().cast("array<string>")), c -> concat(lit("interest: "), c)));
    Dataset<Row> out =
        flatten(assigned.select(
            scoreRow(e, col("untapped_score"), when(col("untapped"), "untapped").otherwise("served"), reasons,
                col("lookalike_score")).as("r")));
    return out;
  }

  private Dataset<Row> sentiment(ModelRegistry.Entry e, LocalDate runDate, Dataset<Row> features) {
    spark.sparkContext().setJobGroup("score", "score: sentiment v" + e.version(), false);
    PipelineModel model = load(e);
    var settings = config.ml().sentiment();
    SentimentTrainer.applyToTexts(lakehouse, model, e.version(), runDate);
    Dataset<Row> person =
        SentimentTransforms.personSentiment(lakehouse.read(FeaturesJob.TEXT_SENTIMENT), runDate, config.ml().features().lookbackDays());
    Column dated = lit(Date.valueOf(runDate)).as("snapshot_date");
    lakehouse.replaceWhere(
        person.select(dated, col("person_id"), col("sentiment"), col("n_texts"), col("n_negative"), lit(e.version()).as("model_version")),
        SENTIMENT_SCORES, "snapshot_date = DATE'" + runDate + "'", "snapshot_date");
    Dataset<Row> silent = SentimentTransforms.silentUnhappy(person, features, settings.negativeThreshold());
    lakehouse.replaceWhere(
        silent.select(dated, col("person_id"), col("sentiment"), col("n_texts"), col("n_negative"), lit(e.version()).as("model_version")),
        SILENT_UNHAPPY, "snapshot_date = DATE'" + runDate + "'", "snapshot_date");
    Dataset<Row> withSilent =
        lakehouse.read(SENTIMENT_SCORES).filter(col("snapshot_date").equalTo(lit(Date.valueOf(runDate))))
            .join(lakehouse.read(SILENT_UNHAPPY).filter(col("snapshot_date").equalTo(lit(Date.valueOf(runDate))))
                .select(col("person_id"), lit(true).as("silent")), FeatureTransforms.scala(List.of("person_id")), "left");
    Column band =
        when(col("sentiment").leq(settings.negativeThreshold()), "negative")
            .when(col("sentiment").geq(-settings.negativeThreshold()), "positive")
            .otherwise("neutral");
    Column reasons =
        filter(
            array(
                when(col("silent"), lit("silent unhappy: negative texts, no complaint")),
                concat(col("n_negative").cast("string"), lit(" negative of "), col("n_texts").cast("string"), lit(" texts"))),
            x -> x.isNotNull());
    return flatten(withSilent.select(scoreRow(e, col("sentiment"), band, reasons, col("n_texts")).as("r")));
  }
}
