package org.customerdynamics.ml;

/**
 * Whether a newly trained model replaces the champion: it must reach the configured floor on its
 * primary metric and must not fall behind the current champion by more than the margin.
 */
public final class QualityGate {
  private QualityGate() {}

  /** The gate's verdict: {@code promoted} or {@code rejected}, with the reason in words. */
  public record Verdict(String verdict, String reason) {
    public boolean promoted() {
      return verdict.equals("promoted");
    }
  }

  /**
   * @param championValue the champion's value of the same metric, or null when there is no champion
   */
  public static Verdict decide(String metric, double value, double floor, Double championValue, double margin) {
    if (Double.isNaN(value) || value < floor) {
      return new Verdict(
          "rejected", String.format(java.util.Locale.ROOT, "%s %.4f is below the floor %.4f", metric, value, floor));
    }
    if (championValue != null && value < championValue - margin) {
      return new Verdict(
          "rejected",
          String.format(
              java.util.Locale.ROOT,
              "%s %.4f falls behind the champion's %.4f by more than the margin %.4f",
              metric, value, championValue, margin));
    }
    if (championValue == null) {
      return new Verdict(
          "promoted", String.format(java.util.Locale.ROOT, "%s %.4f meets the floor %.4f; no champion yet", metric, value, floor));
    }
    return new Verdict(
        "promoted",
        String.format(
            java.util.Locale.ROOT,
            "%s %.4f meets the floor %.4f and is within %.4f of the champion's %.4f",
            metric, value, floor, margin, championValue));
  }
}
