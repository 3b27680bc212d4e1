package org.customerdynamics.common.config;

import org.customerdynamics.identity.IdentityConfig;
import org.customerdynamics.ingest.IngestConfig;
import org.customerdynamics.journey.JourneyConfig;
import org.customerdynamics.maintain.MaintainConfig;
import org.customerdynamics.ml.MlConfig;
import org.customerdynamics.publish.PublishConfig;
import org.customerdynamics.refine.RefineConfig;
import org.customerdynamics.report.ReportConfig;
import org.customerdynamics.segments.SegmentsConfig;
import org.customerdynamics.social.SocialConfig;

/**
 * The whole configuration, read from {@code conf/env/<env>.yaml} with {@code --set} overrides applied
 * (precedence: {@code --set} &gt; env file &gt; the defaults declared in each record). Keys are
 * kebab-case; unknown keys are rejected.
 *
 * @param confDir the configuration folder (default {@code conf}); source mappings live in {@code
 *     <conf-dir>/sources}
 * @param lakehouse root of the lakehouse (local path or s3a:// URI; default {@code lakehouse})
 * @param landing root of the landing zone (default {@code landing})
 * @param checkpointDir where iterative graph jobs checkpoint (default {@code <lakehouse>/_checkpoints})
 * @param modelDir where fitted models are saved (default {@code <lakehouse>/_models})
 */
public record CdxConfig(
    String confDir,
    String lakehouse,
    String landing,
    String checkpointDir,
    String modelDir,
    SparkConfig spark,
    CatalogConfig catalog,
    S3Config s3,
    PrivacyConfig privacy,
    IngestConfig ingest,
    RefineConfig refine,
    IdentityConfig identity,
    JourneyConfig journeys,
    SocialConfig social,
    MlConfig ml,
    ReportConfig report,
    PublishConfig publish,
    SegmentsConfig segments,
    MaintainConfig maintain) {
  public CdxConfig {
    confDir = Defaults.or(confDir, "conf");
    lakehouse = trimSlash(Defaults.or(lakehouse, "lakehouse"));
    landing = trimSlash(Defaults.or(landing, "landing"));
    checkpointDir = trimSlash(Defaults.or(checkpointDir, lakehouse + "/_checkpoints"));
    modelDir = trimSlash(Defaults.or(modelDir, lakehouse + "/_models"));
    spark = Defaults.section(spark, SparkConfig.class);
    catalog = Defaults.section(catalog, CatalogConfig.class);
    s3 = Defaults.section(s3, S3Config.class);
    privacy = Defaults.section(privacy, PrivacyConfig.class);
    ingest = Defaults.section(ingest, IngestConfig.class);
    refine = Defaults.section(refine, RefineConfig.class);
    identity = Defaults.section(identity, IdentityConfig.class);
    journeys = Defaults.section(journeys, JourneyConfig.class);
    social = Defaults.section(social, SocialConfig.class);
    ml = Defaults.section(ml, MlConfig.class);
    report = Defaults.section(report, ReportConfig.class);
    publish = Defaults.section(publish, PublishConfig.class);
    segments = Defaults.section(segments, SegmentsConfig.class);
    maintain = Defaults.section(maintain, MaintainConfig.class);
  }

  private static String trimSlash(String path) {
    return path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path;
  }

  /** Whether the lakehouse lives on an object store rather than a local/HDFS path. */
  public boolean lakehouseOnObjectStore() {
    return lakehouse.startsWith("s3a://") || lakehouse.startsWith("s3://");
  }
}
