package org.customerdynamics.refine;

import org.customerdynamics.common.config.Defaults;

/** Settings of the refine job (silver). Keys under {@code refine.} */
public record RefineConfig(Integer sessionGapMinutes, Integer lateArrivalDays, String defaultCountryCode) {
  public RefineConfig {
    sessionGapMinutes = Defaults.or(sessionGapMinutes, 30);
    lateArrivalDays = Defaults.or(lateArrivalDays, 7);
    defaultCountryCode = Defaults.or(defaultCountryCode, "1");
    Defaults.require(sessionGapMinutes > 0, "refine.session-gap-minutes", "must be > 0");
  }
}
