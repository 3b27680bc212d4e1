package org.customerdynamics.ml;

import java.time.LocalDate;
import java.util.List;
import java.util.Map;
import org.apache.spark.ml.PipelineModel;

/**
 * What a trainer hands to the registry: the fitted pipeline and everything needed to reproduce and
 * judge it.
 *
 * @param floor the gate's floor on {@code primaryMetric}
 */
public record Trained(
    String algorithm,
    Map<String, Object> params,
    List<String> features,
    LocalDate trainWindowStart,
    LocalDate trainWindowEnd,
    LocalDate evalSnapshotDate,
    Map<String, Long> inputVersions,
    Map<String, Double> metrics,
    Map<String, Object> details,
    String primaryMetric,
    double floor,
    PipelineModel model) {
  public double primaryValue() {
    Double v = metrics.get(primaryMetric);
    return v == null ? Double.NaN : v;
  }
}
