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
 * @param linkedTypeCaps per linked type overrides of {@code maxLinksPerType}, merged over the
 *     default {@code cu: 1}: an identifier seen with two customer ids is shared (customer ids are
 *     the CRM's key of a person)
 * @param maxIterations rounds of the components algorithm before giving up
 * @param checkpointEvery rounds between checkpoints of the components algorithm
 * @param singleTaskMaxEdges the most edges one task joins with union-find (about 130 bytes of that
 *     executor's heap per edge): a graph of at most this many gets its components in one task, a
 *     larger one in pieces of about this many, whose links are then joined the same way; 0 always
 *     takes the rounds of shuffles
 * @param stampLookupMaxNodes stamping person_id looks each interaction's person up in a table of the
 *     identifiers of the rows it stamps, sent to every executor (about 200 bytes of heap per
 *     identifier, in the driver and in each executor), when there are at most this many (default
 *     1,000,000); more take a MERGE of each row's person, computed by joins; 0 always takes the MERGE
 */
public record IdentityConfig(
    Integer maxLinksPerIdentifier,
    java.util.Map<String, Integer> typeCaps,
    Integer maxLinksPerType,
    java.util.Map<String, Integer> linkedTypeCaps,
    Integer maxIterations,
    Integer checkpointEvery,
    Long singleTaskMaxEdges,
    Long stampLookupMaxNodes) {
  public IdentityConfig {
    maxLinksPerIdentifier = Defaults.or(maxLinksPerIdentifier, 25);
    typeCaps = Defaults.map(typeCaps, java.util.Map.of());
    maxLinksPerType = Defaults.or(maxLinksPerType, 5);
    java.util.Map<String, Integer> linked = new java.util.TreeMap<>(java.util.Map.of("cu", 1));
    if (linkedTypeCaps != null) {
      linked.putAll(linkedTypeCaps);
    }
    linkedTypeCaps = java.util.Map.copyOf(linked);
    maxIterations = Defaults.or(maxIterations, 60);
    checkpointEvery = Defaults.or(checkpointEvery, 2);
    singleTaskMaxEdges = Defaults.or(singleTaskMaxEdges, 1_000_000L);
    stampLookupMaxNodes = Defaults.or(stampLookupMaxNodes, 1_000_000L);
    Defaults.require(maxLinksPerIdentifier > 0, "identity.max-links-per-identifier", "must be > 0");
    Defaults.require(maxLinksPerType > 0, "identity.max-links-per-type", "must be > 0");
    Defaults.require(
        linkedTypeCaps.values().stream().allMatch(c -> c != null && c > 0),
        "identity.linked-type-caps",
        "must map identifier types to caps > 0");
    Defaults.require(maxIterations > 0, "identity.max-iterations", "must be > 0");
    Defaults.require(checkpointEvery > 0, "identity.checkpoint-every", "must be > 0");
    Defaults.require(singleTaskMaxEdges >= 0, "identity.single-task-max-edges", "must be >= 0");
    Defaults.require(
        stampLookupMaxNodes >= 0 && stampLookupMaxNodes < Integer.MAX_VALUE,
        "identity.stamp-lookup-max-nodes",
        "must be >= 0 and < 2147483647");
  }
}
