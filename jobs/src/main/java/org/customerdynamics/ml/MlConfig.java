package org.customerdynamics.ml;

import org.customerdynamics.common.config.Defaults;

/** Settings of features, training and scoring (SPEC §7). Keys under {@code ml.} */
public record MlConfig(String churnLabel, Integer churnHorizonDays, Double churnAucFloor, Double gateMargin, Long seed) {
  public MlConfig {
    churnLabel = Defaults.or(churnLabel, "cancel-or-inactivity");
    churnHorizonDays = Defaults.or(churnHorizonDays, 30);
    churnAucFloor = Defaults.or(churnAucFloor, 0.7);
    gateMargin = Defaults.or(gateMargin, 0.02);
    seed = Defaults.or(seed, 42L);
  }
}
