package org.customerdynamics.ml;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;

/**
 * Trains one model for a run date, saves the fitted PipelineModel under {@code
 * <model-dir>/<model>/v<version>}, runs the quality gate against the champion and records the
 * version with its verdict in {@code gold.model_registry}. A rerun for the same date reuses that
 * date's version, path and registry row (see {@link ModelRegistry}).
 */
public final class TrainJob {
  public static final List<String> MODELS = List.of("churn", "loyalty", "segments", "sentiment");
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS);

  private final SparkSession spark;
  private final CdxConfig config;
  private final ModelRegistry registry;

  public TrainJob(SparkSession spark, CdxConfig config) {
    this.spark = spark;
    this.config = config;
    this.registry = new ModelRegistry(new Lakehouse(spark, config));
  }

  public ModelRegistry.Entry run(String model, LocalDate runDate) {
    return run(model, runDate, Optional.empty());
  }

  /**
   * Trains, gates and records {@code model} for {@code runDate}. With {@code truthDir} (the
   * generator's ground truth: demo and benchmarks), churn and segments are also scored against what
   * was planted ({@code truth_*} metrics); the truth never enters training, model choice or the gate.
   */
  public ModelRegistry.Entry run(String model, LocalDate runDate, Optional<Path> truthDir) {
    GroundTruth truth =
        truthDir.isPresent() && (model.equals("churn") || model.equals("segments"))
            ? GroundTruth.read(spark, config, truthDir.get())
            : null;
    Trainer trainer =
        switch (model) {
          case "churn" -> new ChurnTrainer(spark, config, truth);
          case "loyalty" -> new LoyaltyTrainer(spark, config);
          case "segments" -> new SegmentsTrainer(spark, config, truth);
          case "sentiment" -> new SentimentTrainer(spark, config);
          default -> throw CdxException.usage(
              "Cannot train '" + model + "': unknown model; use one of " + MODELS);
        };
    long version = registry.versionFor(model, runDate);
    Trained trained = trainer.train(runDate, version);
    String path = config.modelDir() + "/" + model + "/v" + version;
    try {
      trained.model().write().overwrite().save(path);
    } catch (IOException e) {
      throw new CdxException("Cannot save the " + model + " model to " + path + ": " + e.getMessage()
          + "; check that model-dir is writable", e);
    }
    Optional<ModelRegistry.Entry> champion = registry.championBefore(model, version);
    Double championValue = champion.map(c -> c.metric(trained.primaryMetric())).orElse(null);
    if (championValue != null && championValue.isNaN()) {
      championValue = null;
    }
    QualityGate.Verdict verdict =
        QualityGate.decide(trained.primaryMetric(), trained.primaryValue(), trained.floor(), championValue,
            config.ml().gate().margin());
    ModelRegistry.Entry entry =
        new ModelRegistry.Entry(
            model, version, runDate, trained.algorithm(), json(trained.params()), trained.features(),
            trained.trainWindowStart(), trained.trainWindowEnd(), trained.evalSnapshotDate(),
            trained.inputVersions(), new TreeMap<>(trained.metrics()), json(trained.details()),
            trained.primaryMetric(), trained.primaryValue(), champion.map(ModelRegistry.Entry::version).orElse(null),
            championValue, verdict.verdict(), verdict.reason(), path);
    registry.record(entry);
    // A rerun of an older date may promote its version again; a later promoted version stays champion.
    boolean isChampion = registry.champion(model).map(c -> c.version() == version).orElse(false);
    trainer.afterRecord(trained, version, isChampion);
    return entry;
  }

  static String json(Map<String, Object> value) {
    try {
      return JSON.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The run's report: what was trained, its metrics and the gate's verdict. */
  public static String report(ModelRegistry.Entry e) {
    StringBuilder sb = new StringBuilder();
    sb.append("train ").append(e.modelName()).append(" v").append(e.version()).append(" (")
        .append(e.algorithm()).append(") for ").append(e.trainedForDate()).append('\n');
    e.metrics().forEach((k, v) -> sb.append(String.format(java.util.Locale.ROOT, "  %-32s %.4f%n", k, v)));
    sb.append("  verdict: ").append(e.verdict()).append(" - ").append(e.reason()).append('\n');
    sb.append("  saved: ").append(e.modelPath());
    return sb.toString();
  }
}
