package org.customerdynamics.social;

import org.customerdynamics.common.config.Defaults;

/** Settings of the social graph job. Keys under {@code social.} */
public record SocialConfig(Integer windowDays, Double halfLifeDays, Double damping, Double tolerance, Integer maxIterations, Integer lpaMaxIterations) {
  public SocialConfig {
    windowDays = Defaults.or(windowDays, 90);
    halfLifeDays = Defaults.or(halfLifeDays, 30.0);
    damping = Defaults.or(damping, 0.85);
    tolerance = Defaults.or(tolerance, 1e-6);
    maxIterations = Defaults.or(maxIterations, 100);
    lpaMaxIterations = Defaults.or(lpaMaxIterations, 30);
    Defaults.require(damping > 0 && damping < 1, "social.damping", "must be between 0 and 1");
  }
}
