package org.customerdynamics.generate;

import java.nio.file.Path;
import java.time.LocalDate;

/**
 * What {@code generate} writes: {@code persons} people over {@code days} days from {@code start},
 * about {@code eventsPerDay} events per person and day on average, deterministic per {@code seed}.
 *
 * @param malformedRate share of raw lines replaced by a malformed variant (default 0.005)
 * @param duplicateRate share of lines sent twice, byte for byte (default 0.005)
 * @param lateRate share of events landing in the next day's folder (default 0.01)
 * @param linkingDays the first days over which persons' linking days are spread (default 5): on its
 *     linking day a person's events carry an anchor identifier beside each of its others, so those
 *     days land more lines than the rest; with {@code days} (or more) they spread over every day,
 *     for a constant daily volume (the benchmark's day N against day 1)
 */
public record GeneratorOptions(
    long seed,
    int persons,
    int days,
    double eventsPerDay,
    LocalDate start,
    Path out,
    double malformedRate,
    double duplicateRate,
    double lateRate,
    int linkingDays) {
  /** Persons link their identifiers within the first five days unless told otherwise. */
  public static final int DEFAULT_LINKING_DAYS = 5;

  public GeneratorOptions(
      long seed, int persons, int days, double eventsPerDay, LocalDate start, Path out,
      double malformedRate, double duplicateRate, double lateRate) {
    this(seed, persons, days, eventsPerDay, start, out, malformedRate, duplicateRate, lateRate, DEFAULT_LINKING_DAYS);
  }

  public GeneratorOptions {
    if (persons < 10) {
      throw new IllegalArgumentException("--persons must be at least 10");
    }
    if (days < 1) {
      throw new IllegalArgumentException("--days must be at least 1");
    }
    if (eventsPerDay <= 0) {
      throw new IllegalArgumentException("--events-per-day must be > 0");
    }
    if (linkingDays < 1) {
      throw new IllegalArgumentException("--linking-days must be at least 1");
    }
    for (double r : new double[] {malformedRate, duplicateRate, lateRate}) {
      if (r < 0 || r > 0.5) {
        throw new IllegalArgumentException("rates must be between 0 and 0.5");
      }
    }
  }

  public Path landing() {
    return out.resolve("landing");
  }

  public Path truth() {
    return out.resolve("truth");
  }
}
