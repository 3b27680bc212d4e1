package org.customerdynamics.report;

import org.customerdynamics.common.config.Defaults;

/** Settings of the reporting job. Keys under {@code report.} */
public record ReportConfig(Integer kpiDays) {
  public ReportConfig {
    kpiDays = Defaults.or(kpiDays, 90);
  }
}
