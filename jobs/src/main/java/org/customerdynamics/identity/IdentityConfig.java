package org.customerdynamics.identity;

import org.customerdynamics.common.config.Defaults;

/**
 * Settings of identity resolution (SPEC §7). Keys under {@code identity.}
 *
 * @param maxLinksPerIdentifier an identifier linked to more distinct identifiers is excluded
 * @param typeCaps per-type overrides of {@code maxLinksPerIdentifier}
 * @param maxLinksPerType once those hubs are excluded, an identifier linked to more distinct
 *     identifiers of any one type is excluded too (a placeholder e-mail typed with many cookies, a
 *     placeholder phone typed for many customers)
 * @param maxIterations rounds of the components algorithm before giving up
 * @param checkpointEvery rounds between checkpoints of the components algorithm
 */
public record IdentityConfig(
    Integer maxLinksPerIdentifier,
    java.util.Map<String, Integer> typeCaps,
    Integer maxLinksPerType,
    Integer maxIterations,
    Integer checkpointEvery) {
  public IdentityConfig {
    maxLinksPerIdentifier = Defaults.or(maxLinksPerIdentifier, 25);
    typeCaps = Defaults.map(typeCaps, java.util.Map.of());
    maxLinksPerType = Defaults.or(maxLinksPerType, 5);
    maxIterations = Defaults.or(maxIterations, 60);
    checkpointEvery = Defaults.or(checkpointEvery, 2);
    Defaults.require(maxLinksPerIdentifier > 0, "identity.max-links-per-identifier", "must be > 0");
    Defaults.require(maxLinksPerType > 0, "identity.max-links-per-type", "must be > 0");
    Defaults.require(maxIterations > 0, "identity.max-iterations", "must be > 0");
    Defaults.require(checkpointEvery > 0, "identity.checkpoint-every", "must be > 0");
  }
}
