package org.customerdynamics.segments;

import org.customerdynamics.common.config.Defaults;

/** Marketing segment pulls. Keys under {@code segments.} */
public record SegmentsConfig(Boolean includeEmailSha256) {
  public SegmentsConfig {
    includeEmailSha256 = Defaults.or(includeEmailSha256, false);
  }
}
