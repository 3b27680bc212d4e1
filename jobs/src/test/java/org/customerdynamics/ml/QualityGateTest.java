package org.customerdynamics.ml;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class QualityGateTest {
  @Test
  void promotesAFirstModelAboveTheFloor() {
    var v = QualityGate.decide("auc_roc", 0.9, 0.7, null, 0.02);
    assertThat(v.promoted()).isTrue();
    assertThat(v.reason()).isEqualTo("auc_roc 0.9000 meets the floor 0.7000; no champion yet");
  }

  @Test
  void rejectsBelowTheFloor() {
    var v = QualityGate.decide("auc_roc", 0.52, 0.7, 0.9, 0.02);
    assertThat(v.verdict()).isEqualTo("rejected");
    assertThat(v.reason()).isEqualTo("auc_roc 0.5200 is below the floor 0.7000");
  }

  @Test
  void rejectsWhenBehindTheChampionByMoreThanTheMargin() {
    assertThat(QualityGate.decide("auc_roc", 0.85, 0.7, 0.9, 0.02).reason())
        .isEqualTo("auc_roc 0.8500 falls behind the champion's 0.9000 by more than the margin 0.0200");
    assertThat(QualityGate.decide("auc_roc", 0.885, 0.7, 0.9, 0.02).promoted()).isTrue();
  }

  @Test
  void rejectsNaN() {
    assertThat(QualityGate.decide("accuracy", Double.NaN, 0.7, null, 0.02).promoted()).isFalse();
  }
}
