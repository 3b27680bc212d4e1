package org.customerdynamics.ingest;

import org.customerdynamics.common.config.Defaults;

/** Settings of the ingest job (SPEC §5, §8). Keys under {@code ingest.} */
public record IngestConfig(Double maxQuarantineShare, Integer maxFutureHours, String minEventTime, Integer maxTextLength, Integer maxLineBytes) {
  public IngestConfig {
    maxQuarantineShare = Defaults.or(maxQuarantineShare, 0.2);
    maxFutureHours = Defaults.or(maxFutureHours, 24);
    minEventTime = Defaults.or(minEventTime, "2000-01-01T00:00:00Z");
    maxTextLength = Defaults.or(maxTextLength, 8192);
    maxLineBytes = Defaults.or(maxLineBytes, 1048576);
    Defaults.require(
        maxQuarantineShare >= 0 && maxQuarantineShare <= 1,
        "ingest.max-quarantine-share",
        "must be between 0 and 1");
  }
}
