package org.customerdynamics.journey;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

import java.util.List;
import org.customerdynamics.journey.MarkovAttribution.ChannelShare;
import org.customerdynamics.journey.MarkovAttribution.Transition;
import org.junit.jupiter.api.Test;

/** The removal-effect arithmetic on the chain of JourneyJobTest's journeys, worked out by hand. */
class JourneyMarkovTest {
  static final String S = MarkovAttribution.START;
  static final String C = MarkovAttribution.CONVERSION;
  static final String N = MarkovAttribution.NULL;

  /**
   * Journeys: start web email web store conv; start web call_center chat null; start email web conv;
   * start call_center null.
   */
  static final List<Transition> CHAIN =
      List.of(
          new Transition(S, "web", 2),
          new Transition(S, "email", 1),
          new Transition(S, "call_center", 1),
          new Transition("web", "email", 1),
          new Transition("web", "store", 1),
          new Transition("web", "call_center", 1),
          new Transition("web", C, 1),
          new Transition("email", "web", 2),
          new Transition("store", C, 1),
          new Transition("call_center", "chat", 1),
          new Transition("call_center", N, 1),
          new Transition("chat", N, 1));

  @Test
  void conversionProbabilityByHand() {
    // v(web) = 1/4 v(email) + 1/4 + 1/4 and v(email) = v(web), so v(web) = 2/3;
    // v(start) = 2/4 * 2/3 + 1/4 * 2/3 + 1/4 * 0 = 1/2.
    assertThat(MarkovAttribution.conversionProbability(CHAIN, null)).isCloseTo(0.5, within(1e-9));
    // Without email: v(web) = 1/2, v(start) = 1/2 * 1/2 = 1/4.
    assertThat(MarkovAttribution.conversionProbability(CHAIN, "email")).isCloseTo(0.25, within(1e-9));
    // Without store: v(web) = 1/3, v(start) = 3/4 * 1/3 = 1/4.
    assertThat(MarkovAttribution.conversionProbability(CHAIN, "store")).isCloseTo(0.25, within(1e-9));
    assertThat(MarkovAttribution.conversionProbability(CHAIN, "web")).isCloseTo(0.0, within(1e-9));
  }

  @Test
  void removalEffectsShareTheConversions() {
    List<ChannelShare> shares = MarkovAttribution.attribute(CHAIN, 2);
    assertThat(shares).extracting(ChannelShare::channel)
        .containsExactly("call_center", "chat", "email", "store", "web");
    // Removal effects 0, 0, 0.5, 0.5, 1 (sum 2): shares 0, 0, 1/4, 1/4, 1/2 of 2 conversions.
    assertThat(shares).extracting(s -> round(s.removalEffect()))
        .containsExactly(0.0, 0.0, 0.5, 0.5, 1.0);
    assertThat(shares).extracting(s -> round(s.attributedConversions()))
        .containsExactly(0.0, 0.0, 0.5, 0.5, 1.0);
  }

  private static double round(double v) {
    return Math.round(v * 1e9) / 1e9;
  }

  @Test
  void noConversionsMeansNoAttribution() {
    List<ChannelShare> shares =
        MarkovAttribution.attribute(List.of(new Transition(S, "web", 3), new Transition("web", N, 3)), 0);
    assertThat(shares).containsExactly(new ChannelShare("web", 0.0, 0.0, 0.0));
  }
}
