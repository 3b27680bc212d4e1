package org.customerdynamics.report;

import org.customerdynamics.common.config.Defaults;

/**
 * Settings of the reporting job. Keys under {@code report.}
 *
 * @param kpiDays days of daily KPIs written per run, ending at the run date (default 90)
 * @param topPaths paths per outcome in journey_summary (default 10)
 * @param influencerPercentile minimum PageRank percentile of reporting.influencers (default 0.95)
 * @param churnInactivityDays a served customer with no activity for this many days before the run date
 *     counts as churned later in service_performance (default 30)
 */
public record ReportConfig(
    Integer kpiDays, Integer topPaths, Double influencerPercentile, Integer churnInactivityDays) {
  public ReportConfig {
    kpiDays = Defaults.or(kpiDays, 90);
    topPaths = Defaults.or(topPaths, 10);
    influencerPercentile = Defaults.or(influencerPercentile, 0.95);
    churnInactivityDays = Defaults.or(churnInactivityDays, 30);
    Defaults.require(kpiDays > 0, "report.kpi-days", "must be > 0");
    Defaults.require(
        influencerPercentile >= 0 && influencerPercentile <= 1,
        "report.influencer-percentile",
        "must be between 0 and 1");
  }
}
