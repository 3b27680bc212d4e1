package org.customerdynamics.demo;

import java.util.List;
import org.customerdynamics.common.config.CdxConfig;

/** The jobs `demo` runs, in pipeline order; a null step is a job not yet available. */
final class DemoSteps {
  private DemoSteps() {}

  record Named(String name, DemoCommand.Step step) {}

  static List<Named> all() {
    return List.of(
        new Named("ingest", null),
        new Named("refine", null),
        new Named("identity", null),
        new Named("journeys", null),
        new Named("social", null),
        new Named("features", null),
        new Named("train", null),
        new Named("score", null),
        new Named("report", null),
        new Named("publish", null),
        new Named("segments", null));
  }

  /** The config with the landing zone pointed at the generated data. */
  static CdxConfig withLanding(CdxConfig c, String landing) {
    return new CdxConfig(
        c.confDir(), c.lakehouse(), landing, c.checkpointDir(), c.modelDir(), c.spark(), c.catalog(),
        c.s3(), c.privacy(), c.ingest(), c.refine(), c.identity(), c.journeys(), c.social(), c.ml(),
        c.report(), c.publish(), c.segments(), c.maintain());
  }
}
