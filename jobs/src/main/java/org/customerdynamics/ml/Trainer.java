package org.customerdynamics.ml;

import java.time.LocalDate;

/** Trains one model for a run date; the caller versions, saves, gates and records it. */
interface Trainer {
  Trained train(LocalDate runDate, long version);

  /** Work to do once the version is recorded (e.g. tables keyed by model version); default none. */
  default void afterRecord(Trained trained, long version, boolean promoted) {}
}
