package org.customerdynamics.journey;

import org.customerdynamics.common.config.Defaults;

/**
 * Settings of the journeys job. Keys under {@code journeys.}
 *
 * @param sessionGapMinutes inactivity that ends a session (default 30)
 * @param pathLength k, the number of last visits in a path to an outcome (default 4)
 * @param handoffHours a channel change within this many hours is a hand-off (default 24)
 * @param lookbackDays the window of days (ending on the run date) journeys are built over (default
 *     90)
 * @param churnInactivityDays a person inactive this many days before the run date counts as churned
 *     in the paths to churn (default 30)
 * @param supportCaseDays service contacts further apart than this start a new support case (default
 *     7)
 */
public record JourneyConfig(
    Integer sessionGapMinutes,
    Integer pathLength,
    Integer handoffHours,
    Integer lookbackDays,
    Integer churnInactivityDays,
    Integer supportCaseDays) {
  public JourneyConfig {
    sessionGapMinutes = Defaults.or(sessionGapMinutes, 30);
    pathLength = Defaults.or(pathLength, 4);
    handoffHours = Defaults.or(handoffHours, 24);
    lookbackDays = Defaults.or(lookbackDays, 90);
    churnInactivityDays = Defaults.or(churnInactivityDays, 30);
    supportCaseDays = Defaults.or(supportCaseDays, 7);
    Defaults.require(sessionGapMinutes > 0, "journeys.session-gap-minutes", "must be > 0");
    Defaults.require(pathLength > 0, "journeys.path-length", "must be > 0");
    Defaults.require(handoffHours > 0, "journeys.handoff-hours", "must be > 0");
    Defaults.require(lookbackDays > 0, "journeys.lookback-days", "must be > 0");
    Defaults.require(churnInactivityDays > 0, "journeys.churn-inactivity-days", "must be > 0");
    Defaults.require(supportCaseDays > 0, "journeys.support-case-days", "must be > 0");
  }
}
