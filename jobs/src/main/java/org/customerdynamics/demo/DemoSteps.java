package org.customerdynamics.demo;

import java.util.List;
import java.util.Locale;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.identity.IdentityJob;
import org.customerdynamics.ingest.IngestJob;
import org.customerdynamics.refine.RefineJob;
import org.customerdynamics.journey.JourneyJob;
import org.customerdynamics.ml.FeaturesJob;
import org.customerdynamics.ml.ModelRegistry;
import org.customerdynamics.ml.ScoreJob;
import org.customerdynamics.ml.TrainJob;
import org.customerdynamics.publish.PublishJob;
import org.customerdynamics.report.ReportJob;
import org.customerdynamics.social.SocialJob;

/**
 * The jobs `demo` runs, in pipeline order, as a scheduler would: the daily jobs for every generated
 * day, then the graph, model and reporting jobs for the last day. A null step is a job not yet
 * available. The benchmark (bin/bench) runs the same steps, the daily ones day by day.
 */
public final class DemoSteps {
  /** The daily jobs, run for each landing/event date; the other steps run once for the run date. */
  public static final List<String> DAILY = List.of("ingest", "refine", "identity");

  /**
   * The steps production runs weekly, not daily: the cdx_weekly_training DAG trains the models
   * (sentiment among them); cdx_daily's jobs score with the champions. The other steps are
   * cdx_daily's stages, in its order (BenchReportTest checks it).
   */
  public static final List<String> WEEKLY_TRAINING = List.of("sentiment", "train");

  private DemoSteps() {}

  public record Named(String name, DemoCommand.Step step) {}

  public static List<Named> all() {
    return List.of(
        new Named(
            "ingest",
            (spark, config, ctx) -> new IngestJob(spark, config).run(ctx.first(), ctx.last(), List.of())),
        new Named("refine", (spark, config, ctx) -> new RefineJob(spark, config).run(ctx.first(), ctx.last())),
        new Named(
            "identity",
            (spark, config, ctx) ->
                System.out.println(
                    new IdentityJob(spark, config, ctx.truth()).run(ctx.first(), ctx.last()).describe(ctx.last()))),
        new Named("journeys", (spark, config, ctx) -> new JourneyJob(spark, config).run(ctx.last())),
        new Named(
            "social",
            (spark, config, ctx) ->
                System.out.println(
                    new SocialJob(spark, config).run(ctx.last(), ctx.truthDir().map(Object::toString)).describe())),
        // Sentiment first: its champion scores every text, which the feature snapshots then read.
        new Named(
            "sentiment",
            (spark, config, ctx) -> train(spark, config, ctx, List.of("sentiment"))),
        new Named(
            "features",
            (spark, config, ctx) -> new FeaturesJob(spark, config).run(ctx.last(), 1, 7)),
        new Named(
            "train",
            (spark, config, ctx) -> train(spark, config, ctx, List.of("churn", "loyalty", "segments"))),
        new Named("score", (spark, config, ctx) -> new ScoreJob(spark, config).run(ctx.last())),
        new Named("report", (spark, config, ctx) -> new ReportJob(spark, config).run(ctx.last())),
        new Named(
            "publish",
            (spark, config, ctx) -> {
              if (System.getenv(config.publish().passwordEnv()) == null) {
                System.out.println(
                    "demo: publish skipped: " + config.publish().passwordEnv()
                        + " is not set (bin/postgres start && eval \"$(bin/postgres env)\" to publish to a local PostgreSQL)");
                return;
              }
              new PublishJob(spark, config).run(ctx.last());
            }));
  }

  /**
   * Trains the models for the last day, scored against the ground truth too where the context has
   * one, and prints each report and the headline figure of each model.
   */
  private static void train(SparkSession spark, CdxConfig config, DemoCommand.DemoContext ctx, List<String> models) {
    TrainJob train = new TrainJob(spark, config);
    for (String model : models) {
      ModelRegistry.Entry e = train.run(model, ctx.last(), ctx.truthDir());
      System.out.println(TrainJob.report(e));
      System.out.println("demo: " + headline(e));
    }
  }

  /** One line per model: the figure the demo is judged by. */
  static String headline(ModelRegistry.Entry e) {
    String verdict = " [" + e.verdict() + "]";
    return switch (e.modelName()) {
      case "churn" -> String.format(Locale.ROOT,
          "churn v%d (%s): AUC-ROC %.3f / AUC-PR %.3f against the planted churners of the test period from %s;"
              + " %.3f / %.3f against the observed labels%s",
          e.version(), e.algorithm(), e.metric("truth_auc_roc"), e.metric("truth_auc_pr"), e.evalSnapshotDate(),
          e.metric("auc_roc"), e.metric("auc_pr"), verdict);
      case "segments" -> String.format(Locale.ROOT,
          "segments v%d: k %.0f, silhouette %.3f, %.0f untapped segments; %.0f%% of the planted niche in untapped segments%s",
          e.version(), e.metric("k"), e.metric("silhouette"), e.metric("untapped_segments"),
          100 * e.metric("truth_niche_untapped_share"), verdict);
      case "sentiment" -> String.format(Locale.ROOT,
          "sentiment v%d: accuracy %.3f on held-out rated feedback%s", e.version(), e.metric("accuracy"), verdict);
      default -> String.format(Locale.ROOT,
          "%s v%d: %s %.3f%s", e.modelName(), e.version(), e.primaryMetric(), e.primaryValue(), verdict);
    };
  }

  /** The config with the landing zone pointed at the generated data. */
  public static CdxConfig withLanding(CdxConfig c, String landing) {
    return new CdxConfig(
        c.confDir(), c.lakehouse(), landing, c.checkpointDir(), c.modelDir(), c.spark(), c.catalog(),
        c.s3(), c.privacy(), c.ingest(), c.refine(), c.identity(), c.journeys(), c.social(), c.ml(),
        c.report(), c.publish(), c.segments(), c.maintain());
  }
}
