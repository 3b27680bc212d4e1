package org.customerdynamics.maintain;

import org.customerdynamics.common.config.Defaults;

/** Table maintenance (OPTIMIZE/VACUUM). Keys under {@code maintain.} */
public record MaintainConfig(Integer vacuumRetentionHours) {
  public MaintainConfig {
    vacuumRetentionHours = Defaults.or(vacuumRetentionHours, 168);
    Defaults.require(vacuumRetentionHours >= 0, "maintain.vacuum-retention-hours", "must be >= 0");
  }
}
