package org.customerdynamics.social;

import java.util.List;
import java.util.Map;
import org.customerdynamics.common.config.Defaults;

/**
 * Settings of the social graph job. Keys under {@code social.} (kebab-case), defaults below.
 *
 * @param windowDays days of interactions that form the graph, ending at the run date inclusive
 *     (default 90)
 * @param halfLifeDays half-life of an interaction's weight: an event {@code h} days before the end of
 *     the run date weighs half as much as one at the end (default 30)
 * @param eventWeights weight of one event by event type; types not listed make no edge (default
 *     mention 1, reply 1, share 2, referral 3, follow 1)
 * @param reversedEventTypes event types whose edge runs from the counterpart to the actor: for a
 *     referral the referred person endorses the referrer (default [referral]); every other type runs
 *     from the actor (who mentions, replies to, shares, follows) to the counterpart
 * @param damping PageRank damping factor (default 0.85)
 * @param tolerance PageRank stops when the L1 change of the rank vector, scaled to sum 1, is below
 *     this (default 1e-6)
 * @param maxIterations PageRank iteration cap (default 100)
 * @param checkpointEvery iterative algorithms checkpoint their state every this many iterations to
 *     cut the lineage (default 5)
 * @param lpaMaxIterations label-propagation iteration cap (default 30)
 * @param mergeCommunities whether label propagation is followed by modularity-raising merges of
 *     communities (default true)
 * @param mergeMaxRounds cap on merge rounds (default 20)
 * @param reachExactMaxPaths above this many two-hop paths, reach is estimated with HyperLogLog
 *     sketches instead of counted exactly (default 50,000,000)
 * @param churnInactivityDays where {@code gold.churn_labels} is absent, a person counts as churned
 *     after this many days without activity up to the run date, or after a {@code
 *     subscription_cancel} (default 60)
 * @param advocateTopShare advocates and detractors are taken from the most influential share of a
 *     community (default 0.2: its top 20% by PageRank)
 * @param advocateMinSentiment sentiment at or above which an influential member is an advocate
 *     (default 0.2); detractors are at or below its negative
 * @param topItems how many top products, categories, advocates and detractors a profile lists
 *     (default 5)
 * @param influencerTopShare the top share by influence that counts as a hit when scoring planted
 *     influencers (default 0.05)
 * @param singleTaskMaxEdges a graph of at most this many edges gets its PageRank and communities in
 *     one task, in memory, with the same steps as the joins (default 1,000,000; 0 always takes the
 *     joins)
 */
public record SocialConfig(
    Integer windowDays,
    Double halfLifeDays,
    Map<String, Double> eventWeights,
    List<String> reversedEventTypes,
    Double damping,
    Double tolerance,
    Integer maxIterations,
    Integer checkpointEvery,
    Integer lpaMaxIterations,
    Boolean mergeCommunities,
    Integer mergeMaxRounds,
    Long reachExactMaxPaths,
    Integer churnInactivityDays,
    Double advocateTopShare,
    Double advocateMinSentiment,
    Integer topItems,
    Double influencerTopShare,
    Long singleTaskMaxEdges) {
  /** Default weights of the person-to-person event types. */
  public static final Map<String, Double> DEFAULT_EVENT_WEIGHTS =
      Map.of("mention", 1.0, "reply", 1.0, "share", 2.0, "referral", 3.0, "follow", 1.0);

  public SocialConfig {
    windowDays = Defaults.or(windowDays, 90);
    halfLifeDays = Defaults.or(halfLifeDays, 30.0);
    eventWeights = Defaults.map(eventWeights, DEFAULT_EVENT_WEIGHTS);
    reversedEventTypes = Defaults.list(reversedEventTypes, List.of("referral"));
    damping = Defaults.or(damping, 0.85);
    tolerance = Defaults.or(tolerance, 1e-6);
    maxIterations = Defaults.or(maxIterations, 100);
    checkpointEvery = Defaults.or(checkpointEvery, 5);
    lpaMaxIterations = Defaults.or(lpaMaxIterations, 30);
    mergeCommunities = Defaults.or(mergeCommunities, true);
    mergeMaxRounds = Defaults.or(mergeMaxRounds, 20);
    reachExactMaxPaths = Defaults.or(reachExactMaxPaths, 50_000_000L);
    churnInactivityDays = Defaults.or(churnInactivityDays, 60);
    advocateTopShare = Defaults.or(advocateTopShare, 0.2);
    advocateMinSentiment = Defaults.or(advocateMinSentiment, 0.2);
    topItems = Defaults.or(topItems, 5);
    influencerTopShare = Defaults.or(influencerTopShare, 0.05);
    singleTaskMaxEdges = Defaults.or(singleTaskMaxEdges, 1_000_000L);
    Defaults.require(windowDays > 0, "social.window-days", "must be > 0");
    Defaults.require(halfLifeDays > 0, "social.half-life-days", "must be > 0");
    Defaults.require(!eventWeights.isEmpty(), "social.event-weights", "must name at least one event type");
    Defaults.require(
        eventWeights.values().stream().allMatch(w -> w != null && w > 0),
        "social.event-weights",
        "must all be > 0");
    Defaults.require(damping > 0 && damping < 1, "social.damping", "must be between 0 and 1");
    Defaults.require(tolerance > 0, "social.tolerance", "must be > 0");
    Defaults.require(maxIterations > 0, "social.max-iterations", "must be > 0");
    Defaults.require(checkpointEvery > 0, "social.checkpoint-every", "must be > 0");
    Defaults.require(lpaMaxIterations > 0, "social.lpa-max-iterations", "must be > 0");
    Defaults.require(mergeMaxRounds >= 0, "social.merge-max-rounds", "must be >= 0");
    Defaults.require(churnInactivityDays > 0, "social.churn-inactivity-days", "must be > 0");
    Defaults.require(
        advocateTopShare > 0 && advocateTopShare <= 1, "social.advocate-top-share", "must be in (0, 1]");
    Defaults.require(
        advocateMinSentiment >= 0 && advocateMinSentiment <= 1,
        "social.advocate-min-sentiment",
        "must be in [0, 1]");
    Defaults.require(topItems > 0, "social.top-items", "must be > 0");
    Defaults.require(
        influencerTopShare > 0 && influencerTopShare < 1,
        "social.influencer-top-share",
        "must be in (0, 1)");
    Defaults.require(singleTaskMaxEdges >= 0, "social.single-task-max-edges", "must be >= 0");
  }
}
