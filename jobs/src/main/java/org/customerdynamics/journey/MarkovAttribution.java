package org.customerdynamics.journey;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * First-order Markov attribution with the removal effect (Anderl et al., 2016). States are {@code
 * start}, the channels, and the absorbing {@code conversion} and {@code null}. The conversion
 * probability from {@code start} is computed with all channels, then with each channel removed (its
 * visits lead to {@code null}); the relative drop is the channel's removal effect, and conversions are
 * shared out in proportion to the removal effects.
 *
 * <p>The chain has a dozen states at most, so it is solved on the driver from the transition counts
 * that Spark aggregated ({@link JourneyTransforms#markovTransitions}).
 */
public final class MarkovAttribution {
  public static final String START = "(start)";
  public static final String CONVERSION = "(conversion)";
  public static final String NULL = "(null)";

  private MarkovAttribution() {}

  /** One channel's attribution. */
  public record ChannelShare(
      String channel, double removalEffect, double share, double attributedConversions) {}

  /** A transition count between two states. */
  public record Transition(String from, String to, long count) {}

  /** Probability of reaching {@code conversion} from {@code start}, optionally with a channel removed. */
  public static double conversionProbability(List<Transition> transitions, String removed) {
    Map<String, Map<String, Double>> out = new HashMap<>();
    Map<String, Double> totals = new HashMap<>();
    for (Transition t : transitions) {
      out.computeIfAbsent(t.from(), k -> new HashMap<>()).merge(t.to(), (double) t.count(), Double::sum);
      totals.merge(t.from(), (double) t.count(), Double::sum);
    }
    Map<String, Double> value = new HashMap<>();
    value.put(CONVERSION, 1.0);
    // Gauss-Seidel on v(s) = sum_t P(s,t) v(t); converges because every state drains to absorption.
    for (int iteration = 0; iteration < 100_000; iteration++) {
      double delta = 0;
      for (Map.Entry<String, Map<String, Double>> e : out.entrySet()) {
        String s = e.getKey();
        if (s.equals(removed)) {
          continue;
        }
        double v = 0;
        for (Map.Entry<String, Double> t : e.getValue().entrySet()) {
          String to = t.getKey();
          double target = to.equals(removed) ? 0.0 : value.getOrDefault(to, 0.0);
          v += t.getValue() / totals.get(s) * target;
        }
        delta = Math.max(delta, Math.abs(v - value.getOrDefault(s, 0.0)));
        value.put(s, v);
      }
      if (delta < 1e-13) {
        break;
      }
    }
    return value.getOrDefault(START, 0.0);
  }

  /**
   * Removal effects and attributed conversions of every channel seen in the transitions.
   *
   * @param conversions the number of converted journeys to share out
   */
  public static List<ChannelShare> attribute(List<Transition> transitions, long conversions) {
    TreeSet<String> channels = new TreeSet<>();
    for (Transition t : transitions) {
      for (String s : List.of(t.from(), t.to())) {
        if (!s.equals(START) && !s.equals(CONVERSION) && !s.equals(NULL)) {
          channels.add(s);
        }
      }
    }
    double base = conversionProbability(transitions, null);
    Map<String, Double> effects = new HashMap<>();
    double total = 0;
    for (String c : channels) {
      double effect = base == 0 ? 0 : 1 - conversionProbability(transitions, c) / base;
      effects.put(c, effect);
      total += effect;
    }
    List<ChannelShare> shares = new ArrayList<>();
    for (String c : channels) {
      double share = total == 0 ? 0 : effects.get(c) / total;
      shares.add(new ChannelShare(c, effects.get(c), share, share * conversions));
    }
    return shares;
  }
}
