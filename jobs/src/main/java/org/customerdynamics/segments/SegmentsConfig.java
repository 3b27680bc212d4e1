package org.customerdynamics.segments;

import java.util.Map;
import java.util.regex.Pattern;
import org.customerdynamics.common.config.Defaults;

/**
 * Marketing segment pulls ({@code cdx segments}, docs/segments.md). Keys under {@code segments.}
 *
 * @param includeEmailSha256 whether an export adds {@code email_sha256}, the SHA-256 hex of each
 *     normalised e-mail address of the person, computed at export time from bronze through the
 *     identity map, for ad-platform audiences (default false)
 * @param saved named segments: name → Spark SQL predicate over the segment columns
 *     (docs/segments.md), listed beside the built-in segments and exported with {@code --segment
 *     NAME} (default none). Names are lower-case letters, digits and dashes and must not take a
 *     built-in name ({@code segment-<n>}, {@code untapped}, {@code churn-<band>})
 */
public record SegmentsConfig(Boolean includeEmailSha256, Map<String, String> saved) {
  static final Pattern NAME = Pattern.compile("[a-z0-9][a-z0-9-]*");
  static final Pattern BUILT_IN = Pattern.compile("segment-\\d+|untapped|churn-[a-z]+");

  public SegmentsConfig {
    includeEmailSha256 = Defaults.or(includeEmailSha256, false);
    saved = Defaults.map(saved, Map.of());
    for (Map.Entry<String, String> e : saved.entrySet()) {
      String key = "segments.saved." + e.getKey();
      Defaults.require(NAME.matcher(e.getKey()).matches(), key, "must be named with lower-case letters, digits and dashes");
      Defaults.require(!BUILT_IN.matcher(e.getKey()).matches(), key, "takes the name of a built-in segment; choose another name");
      Defaults.require(e.getValue() != null && !e.getValue().isBlank(), key, "must be a Spark SQL predicate");
    }
  }
}
