package org.customerdynamics.common.config;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.List;
import java.util.Map;

/** Helpers for config records: every key declares its default next to it, in the compact constructor. */
public final class Defaults {
  private Defaults() {}

  /** A config section left out of the YAML: the section's record with all its defaults. */
  public static <T> T section(T value, Class<T> type) {
    if (value != null) {
      return value;
    }
    return ConfigLoader.mapper().convertValue(Map.of(), type);
  }

  public static <T> T or(T value, T fallback) {
    return value != null ? value : fallback;
  }

  public static <T> List<T> list(List<T> value, List<T> fallback) {
    return List.copyOf(value != null ? value : fallback);
  }

  public static <K, V> Map<K, V> map(Map<K, V> value, Map<K, V> fallback) {
    return Map.copyOf(value != null ? value : fallback);
  }

  /** Throws with the key's dotted name when a check fails; the loader turns it into one clear line. */
  public static void require(boolean ok, String key, String rule) {
    if (!ok) {
      throw new IllegalArgumentException(key + " " + rule);
    }
  }

  static ObjectMapper plainMapper() {
    return new ObjectMapper();
  }
}
