package org.customerdynamics.ml;

import java.time.LocalDate;

/** Trains one model for a run date; the caller versions, saves, gates and records it. */
interface Trainer {
  Trained train(LocalDate runDate, long version);

  /**
   * Work to do once the version is recorded (e.g. tables keyed by model version); default none.
   *
   * @param champion whether this version is now the model's champion (promoted, no later version
   *     promoted)
   */
  default void afterRecord(Trained trained, long version, boolean champion) {}
}
