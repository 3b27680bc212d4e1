package org.customerdynamics.ml;

import static org.apache.spark.sql.functions.*;

import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.apache.spark.ml.Pipeline;
import org.apache.spark.ml.PipelineModel;
import org.apache.spark.ml.PipelineStage;
import org.apache.spark.ml.clustering.KMeans;
import org.apache.spark.ml.evaluation.ClusteringEvaluator;
import org.apache.spark.ml.feature.SQLTransformer;
import org.apache.spark.ml.feature.StandardScaler;
import org.apache.spark.ml.feature.VectorAssembler;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;

/**
 * Segments: k-means over customers and prospects together (log1p-compressed, standardised
 * behaviour, plus how far the person's main interest has converted into customers), k chosen by the
 * silhouette over [k-min, k-max]; profiles with the untapped score are written to {@code
 * gold.segment_profiles} under the model version. With a ground truth (demo), the share of the
 * planted niche that lands in untapped segments is recorded.
 */
final class SegmentsTrainer implements Trainer {
  public static final String PROFILES = "gold.segment_profiles";

  private final SparkSession spark;
  private final Lakehouse lakehouse;
  private final CdxConfig config;
  private final MlConfig.Segments settings;
  private final GroundTruth truth;
  private Dataset<Row> profiles;

  SegmentsTrainer(SparkSession spark, CdxConfig config, GroundTruth truth) {
    this.spark = spark;
    this.lakehouse = new Lakehouse(spark, config);
    this.config = config;
    this.settings = config.ml().segments();
    this.truth = truth;
  }

  static Pipeline pipeline(int k, long seed) {
    List<String> inputs = new ArrayList<>(SegmentTransforms.CLUSTER_FEATURES);
    inputs.add(SegmentTransforms.CATEGORY_CUSTOMER_SHARE);
    String logs =
        inputs.stream()
            .map(f -> SegmentTransforms.SHARES.contains(f) ? f + " AS s_" + f : "log1p(" + f + ") AS s_" + f)
            .collect(Collectors.joining(", "));
    var sql = new SQLTransformer().setStatement(
        "SELECT *, " + logs + " FROM (SELECT *, " + SegmentTransforms.categoryCustomerShareSql() + " FROM __THIS__)");
    var assembler =
        new VectorAssembler()
            .setInputCols(inputs.stream().map(f -> "s_" + f).toArray(String[]::new))
            .setOutputCol("raw_features");
    var scaler = new StandardScaler().setInputCol("raw_features").setOutputCol("scaled").setWithMean(true).setWithStd(true);
    var kmeans = new KMeans().setK(k).setSeed(seed).setMaxIter(30).setFeaturesCol("scaled").setPredictionCol("segment_id");
    return new Pipeline().setStages(new PipelineStage[] {sql, assembler, scaler, kmeans});
  }

  @Override
  public Trained train(LocalDate runDate, long version) {
    new FeaturesJob(spark, config).ensure(List.of(runDate));
    long featuresVersion = lakehouse.version(FeaturesJob.TABLE);
    Dataset<Row> features =
        lakehouse.readVersion(FeaturesJob.TABLE, featuresVersion)
            .filter(col("snapshot_date").equalTo(lit(Date.valueOf(runDate))))
            .cache();
    long n = features.count();
    if (n < settings.kMax() * 5L) {
      throw new CdxException(
          "Cannot train segments for " + runDate + ": the snapshot holds " + n + " persons, too few for k up to "
              + settings.kMax() + "; compute features for a date with data or lower ml.segments.k-max");
    }
    var evaluator = new ClusteringEvaluator().setFeaturesCol("scaled").setPredictionCol("segment_id");
    Map<String, Double> curve = new LinkedHashMap<>();
    Map<Integer, PipelineModel> models = new LinkedHashMap<>();
    double top = -2;
    for (int k = settings.kMin(); k <= settings.kMax(); k++) {
      spark.sparkContext().setJobGroup("train-segments", "train segments: k-means k=" + k, false);
      PipelineModel model = pipeline(k, config.ml().seed()).fit(features);
      double silhouette = evaluator.evaluate(model.transform(features));
      curve.put(String.valueOf(k), silhouette);
      models.put(k, model);
      top = Math.max(top, silhouette);
    }
    // The finest segmentation whose silhouette is within the tolerance of the best: niches are
    // small, and the coarsest well-separated split hides them.
    int bestK = settings.kMin();
    for (int k = settings.kMin(); k <= settings.kMax(); k++) {
      if (curve.get(String.valueOf(k)) >= top - settings.silhouetteTolerance()) {
        bestK = k;
      }
    }
    PipelineModel best = models.get(bestK);
    double bestSilhouette = curve.get(String.valueOf(bestK));
    spark.sparkContext().setJobGroup("train-segments", "train segments: profiles", false);
    Dataset<Row> assigned = best.transform(features);
    profiles =
        SegmentTransforms.profiles(assigned, settings.untappedEngagement(), settings.untappedConversion())
            .withColumn("model_version", lit(version))
            .withColumn("snapshot_date", lit(Date.valueOf(runDate)))
            .cache();
    List<Map<String, Object>> profileRows = new ArrayList<>();
    double untappedSegments = 0;
    double untappedPersons = 0;
    for (Row r : profiles.orderBy("segment_id").collectAsList()) {
      Map<String, Object> p = new LinkedHashMap<>();
      for (String f : r.schema().fieldNames()) {
        Object v = r.getAs(f);
        p.put(f, v instanceof scala.collection.Seq<?> s ? scala.jdk.javaapi.CollectionConverters.asJava(s) : v == null ? null : v.toString());
      }
      profileRows.add(p);
      if (r.<Boolean>getAs("untapped")) {
        untappedSegments++;
        untappedPersons += r.<Long>getAs("size");
      }
    }
    Map<String, Double> metrics = new LinkedHashMap<>();
    if (truth != null) {
      spark.sparkContext().setJobGroup("train-segments", "train segments: niche against the ground truth", false);
      Row niche =
          assigned.select(col("person_id"), col("segment_id").cast("int").as("segment_id"))
              .join(truth.persons().filter(col("niche")).select("person_id"), FeatureTransforms.scala(List.of("person_id")), "inner")
              .join(profiles.select("segment_id", "untapped"), FeatureTransforms.scala(List.of("segment_id")), "left")
              .agg(count(lit(1)), count(when(col("untapped"), lit(1))))
              .head();
      metrics.put("truth_niche_persons", (double) niche.getLong(0));
      metrics.put("truth_niche_untapped_share", niche.getLong(0) == 0 ? Double.NaN : niche.getLong(1) / (double) niche.getLong(0));
    }
    features.unpersist();
    spark.sparkContext().clearJobGroup();
    metrics.put("silhouette", bestSilhouette);
    metrics.put("k", (double) bestK);
    metrics.put("n_persons", (double) n);
    metrics.put("untapped_segments", untappedSegments);
    metrics.put("untapped_person_share", untappedPersons / n);
    Map<String, Object> params = new LinkedHashMap<>();
    params.put("k_range", List.of(settings.kMin(), settings.kMax()));
    params.put("criterion", "largest k whose silhouette (squared euclidean, standardised features) is within the tolerance of the best");
    params.put("derived_inputs", List.of(SegmentTransforms.CATEGORY_CUSTOMER_SHARE + ": customer share among persons with the same top_category"));
    params.put("silhouette_tolerance", settings.silhouetteTolerance());
    params.put("untapped_engagement", settings.untappedEngagement());
    params.put("untapped_conversion", settings.untappedConversion());
    params.put("seed", config.ml().seed());
    Map<String, Object> details = new LinkedHashMap<>();
    details.put("silhouette_by_k", curve);
    details.put("profiles", profileRows);
    return new Trained(
        "kmeans", params, SegmentTransforms.inputs(), runDate, runDate, runDate,
        Map.of(FeaturesJob.TABLE, featuresVersion), metrics, details, "silhouette", settings.silhouetteFloor(), best);
  }

  @Override
  public void afterRecord(Trained trained, long version, boolean champion) {
    lakehouse.replaceWhere(profiles, PROFILES, "model_version = " + version);
    profiles.unpersist();
  }
}
