package org.customerdynamics.common;

import java.time.LocalDate;
import java.time.format.DateTimeParseException;

/** Parses the run date every job is given; jobs never read the clock to decide what to process. */
public final class RunDates {
  private RunDates() {}

  public static LocalDate parse(String value) {
    if (value == null || value.isBlank()) {
      throw CdxException.usage("Cannot parse --run-date: it is missing; pass --run-date YYYY-MM-DD");
    }
    try {
      return LocalDate.parse(value.trim());
    } catch (DateTimeParseException e) {
      throw CdxException.usage(
          "Cannot parse --run-date '" + value + "': not a date; use YYYY-MM-DD, e.g. 2026-01-31");
    }
  }
}
