package org.customerdynamics.journey;

import org.customerdynamics.common.config.Defaults;

/** Settings of the journeys job. Keys under {@code journeys.} */
public record JourneyConfig(Integer sessionGapMinutes, Integer pathLength, Integer handoffHours, Integer lookbackDays, Integer churnInactivityDays) {
  public JourneyConfig {
    sessionGapMinutes = Defaults.or(sessionGapMinutes, 30);
    pathLength = Defaults.or(pathLength, 4);
    handoffHours = Defaults.or(handoffHours, 24);
    lookbackDays = Defaults.or(lookbackDays, 90);
    churnInactivityDays = Defaults.or(churnInactivityDays, 30);
    Defaults.require(pathLength > 0, "journeys.path-length", "must be > 0");
  }
}
