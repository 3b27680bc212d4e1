package org.customerdynamics.identity;

import org.customerdynamics.common.config.Defaults;

/** Settings of identity resolution (SPEC §7). Keys under {@code identity.} */
public record IdentityConfig(Integer maxLinksPerIdentifier, java.util.Map<String, Integer> typeCaps, Integer maxIterations, Integer checkpointEvery) {
  public IdentityConfig {
    maxLinksPerIdentifier = Defaults.or(maxLinksPerIdentifier, 25);
    typeCaps = Defaults.map(typeCaps, java.util.Map.of());
    maxIterations = Defaults.or(maxIterations, 60);
    checkpointEvery = Defaults.or(checkpointEvery, 2);
    Defaults.require(maxLinksPerIdentifier > 0, "identity.max-links-per-identifier", "must be > 0");
    Defaults.require(maxIterations > 0, "identity.max-iterations", "must be > 0");
    Defaults.require(checkpointEvery > 0, "identity.checkpoint-every", "must be > 0");
  }
}
