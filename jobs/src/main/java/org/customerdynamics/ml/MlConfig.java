package org.customerdynamics.ml;

import java.util.List;
import org.customerdynamics.common.config.Defaults;

/**
 * Settings of features, training and scoring (SPEC §7). Keys under {@code ml.}; every default is
 * declared next to its key.
 *
 * @param seed seed of every random choice in training (splits, model initialisation; default 42)
 * @param shuffleLabels test-only: shuffle the training labels to build a deliberately bad model that
 *     the quality gate must reject (default false)
 */
public record MlConfig(
    Long seed,
    Boolean shuffleLabels,
    Features features,
    Churn churn,
    Loyalty loyalty,
    Segments segments,
    Sentiment sentiment,
    Gate gate) {
  public MlConfig {
    seed = Defaults.or(seed, 42L);
    shuffleLabels = Defaults.or(shuffleLabels, false);
    features = Defaults.section(features, Features.class);
    churn = Defaults.section(churn, Churn.class);
    loyalty = Defaults.section(loyalty, Loyalty.class);
    segments = Defaults.section(segments, Segments.class);
    sentiment = Defaults.section(sentiment, Sentiment.class);
    gate = Defaults.section(gate, Gate.class);
  }

  /**
   * {@code ml.features.*}.
   *
   * @param lookbackDays how far back a snapshot looks (default 90)
   * @param recentDays the "recent" window of frequency features and of the engagement trend (7)
   * @param windowDays the main window of frequency features (28)
   */
  public record Features(Integer lookbackDays, Integer recentDays, Integer windowDays) {
    public Features {
      lookbackDays = Defaults.or(lookbackDays, 90);
      recentDays = Defaults.or(recentDays, 7);
      windowDays = Defaults.or(windowDays, 28);
      Defaults.require(recentDays > 0 && recentDays < windowDays, "ml.features.recent-days", "must be > 0 and < window-days");
      Defaults.require(windowDays <= lookbackDays, "ml.features.window-days", "must be <= lookback-days");
    }
  }

  /**
   * {@code ml.churn.*}.
   *
   * @param label label rule: {@code cancel-or-inactivity} (default), {@code cancel} or {@code inactivity}
   * @param horizonDays H: a snapshot at S is labelled by what happens in (S, S+H] (default 14)
   * @param activeDays population: customers active in the last N days before the snapshot (default 14)
   * @param snapshots how many labelled snapshots training uses, the latest for evaluation (default 4)
   * @param everyDays days between training snapshots (default 7)
   * @param aucFloor the gate's floor on AUC-ROC (default 0.7)
   * @param algorithms the candidates compared (default logistic-regression, gbt)
   * @param maxIter iterations of each candidate (default 30)
   */
  public record Churn(
      String label,
      Integer horizonDays,
      Integer activeDays,
      Integer snapshots,
      Integer everyDays,
      Double aucFloor,
      List<String> algorithms,
      Integer maxIter) {
    public Churn {
      label = Defaults.or(label, "cancel-or-inactivity");
      horizonDays = Defaults.or(horizonDays, 14);
      activeDays = Defaults.or(activeDays, 14);
      snapshots = Defaults.or(snapshots, 4);
      everyDays = Defaults.or(everyDays, 7);
      aucFloor = Defaults.or(aucFloor, 0.7);
      algorithms = Defaults.list(algorithms, List.of("logistic-regression", "gbt"));
      maxIter = Defaults.or(maxIter, 30);
      Defaults.require(
          List.of("cancel-or-inactivity", "cancel", "inactivity").contains(label),
          "ml.churn.label",
          "must be cancel-or-inactivity, cancel or inactivity");
      Defaults.require(horizonDays > 0, "ml.churn.horizon-days", "must be > 0");
      Defaults.require(snapshots >= 2, "ml.churn.snapshots", "must be >= 2 (train on older, evaluate on the latest)");
      Defaults.require(everyDays > 0, "ml.churn.every-days", "must be > 0");
      Defaults.require(
          algorithms.stream().allMatch(a -> a.equals("logistic-regression") || a.equals("gbt")) && !algorithms.isEmpty(),
          "ml.churn.algorithms",
          "must list logistic-regression and/or gbt");
    }
  }

  /**
   * {@code ml.loyalty.*}: repeat-purchase propensity over the next horizon, and value tiers.
   *
   * @param horizonDays the horizon predicted (default 14)
   * @param snapshots labelled snapshots used, the latest for evaluation (default 3)
   * @param everyDays days between snapshots (default 7)
   * @param aucFloor the gate's floor on AUC-ROC (default 0.65)
   * @param tierShares shares of customers in the top tiers platinum, gold, silver (default 0.1, 0.2, 0.3)
   */
  public record Loyalty(
      Integer horizonDays, Integer snapshots, Integer everyDays, Double aucFloor, List<Double> tierShares) {
    public Loyalty {
      horizonDays = Defaults.or(horizonDays, 14);
      snapshots = Defaults.or(snapshots, 3);
      everyDays = Defaults.or(everyDays, 7);
      aucFloor = Defaults.or(aucFloor, 0.65);
      tierShares = Defaults.list(tierShares, List.of(0.1, 0.2, 0.3));
      Defaults.require(snapshots >= 2, "ml.loyalty.snapshots", "must be >= 2");
      Defaults.require(tierShares.size() == 3 && tierShares.stream().mapToDouble(Double::doubleValue).sum() < 1,
          "ml.loyalty.tier-shares", "must be three shares summing to less than 1");
    }
  }

  /**
   * {@code ml.segments.*}.
   *
   * @param kMin smallest k tried (default 4)
   * @param kMax largest k tried (default 10)
   * @param silhouetteFloor the gate's floor on the silhouette of the chosen k (default 0.1)
   * @param silhouetteTolerance k chosen = the largest k whose silhouette is within this of the best
   *     (default 0.1): the finest segmentation that is still well separated
   * @param untappedEngagement a segment is untapped when its engagement is at least this multiple of
   *     the population's (default 1.2) ...
   * @param untappedConversion ... and its conversion or its customer share is at most this multiple
   *     of the population's (default 0.5)
   * @param highValueShare customers in the top share by value are the look-alike reference (0.2)
   */
  public record Segments(
      Integer kMin,
      Integer kMax,
      Double silhouetteFloor,
      Double silhouetteTolerance,
      Double untappedEngagement,
      Double untappedConversion,
      Double highValueShare) {
    public Segments {
      kMin = Defaults.or(kMin, 4);
      kMax = Defaults.or(kMax, 10);
      silhouetteFloor = Defaults.or(silhouetteFloor, 0.1);
      silhouetteTolerance = Defaults.or(silhouetteTolerance, 0.1);
      untappedEngagement = Defaults.or(untappedEngagement, 1.2);
      untappedConversion = Defaults.or(untappedConversion, 0.5);
      highValueShare = Defaults.or(highValueShare, 0.2);
      Defaults.require(kMin >= 2 && kMax >= kMin, "ml.segments.k-min", "must be >= 2 and <= k-max");
    }
  }

  /**
   * {@code ml.sentiment.*}.
   *
   * @param accuracyFloor the gate's floor on held-out accuracy (default 0.75)
   * @param testShare share of rated feedback held out (default 0.2)
   * @param negativeThreshold a person with mean sentiment at or below this is unhappy (default -0.2)
   * @param numFeatures hashed vocabulary size (default 4096)
   */
  public record Sentiment(Double accuracyFloor, Double testShare, Double negativeThreshold, Integer numFeatures) {
    public Sentiment {
      accuracyFloor = Defaults.or(accuracyFloor, 0.75);
      testShare = Defaults.or(testShare, 0.2);
      negativeThreshold = Defaults.or(negativeThreshold, -0.2);
      numFeatures = Defaults.or(numFeatures, 4096);
      Defaults.require(testShare > 0 && testShare < 1, "ml.sentiment.test-share", "must be in (0, 1)");
    }
  }

  /**
   * {@code ml.gate.*}: a new model is promoted only if it meets its floor and does not fall behind
   * the champion by more than {@code margin} on the primary metric.
   */
  public record Gate(Double margin) {
    public Gate {
      margin = Defaults.or(margin, 0.02);
      Defaults.require(margin >= 0, "ml.gate.margin", "must be >= 0");
    }
  }
}
