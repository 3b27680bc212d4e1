package org.customerdynamics.demo;

import java.util.List;
import java.util.Optional;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.identity.IdentityJob;
import org.customerdynamics.ingest.IngestJob;
import org.customerdynamics.refine.RefineJob;
import org.customerdynamics.journey.JourneyJob;
import org.customerdynamics.ml.FeaturesJob;
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
            (spark, config, ctx) -> new IdentityJob(spark, config, ctx.truth()).run(ctx.first(), ctx.last())),
        new Named("journeys", (spark, config, ctx) -> new JourneyJob(spark, config).run(ctx.last())),
        new Named(
            "social",
            (spark, config, ctx) -> new SocialJob(spark, config).run(ctx.last(), Optional.of(ctx.truth().toString()))),
        new Named(
            "features",
            (spark, config, ctx) -> new FeaturesJob(spark, config).run(ctx.last(), 1, 7)),
        new Named(
            "train",
            (spark, config, ctx) -> {
              TrainJob train = new TrainJob(spark, config);
              for (String model : List.of("sentiment", "churn", "loyalty", "segments")) {
                train.run(model, ctx.last());
              }
            }),
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

  /** The config with the landing zone pointed at the generated data. */
  public static CdxConfig withLanding(CdxConfig c, String landing) {
    return new CdxConfig(
        c.confDir(), c.lakehouse(), landing, c.checkpointDir(), c.modelDir(), c.spark(), c.catalog(),
        c.s3(), c.privacy(), c.ingest(), c.refine(), c.identity(), c.journeys(), c.social(), c.ml(),
        c.report(), c.publish(), c.segments(), c.maintain());
  }
}
