package org.customerdynamics.ingest;

import java.util.List;
import org.customerdynamics.common.config.Defaults;

/**
 * Settings of the ingest job (SPEC §5, §8). Keys under {@code ingest.}
 *
 * @param sources sources to ingest (default: every mapping in {@code <conf-dir>/sources/})
 * @param maxQuarantineShare a run fails, after writing its ledger, when a source quarantines more
 *     than this share of a day's lines (default 0.2)
 * @param quarantineShareMinLines the share rule applies from this many lines of a source and day
 *     (default 20), so that a tiny file with one bad line does not fail a run
 * @param maxFutureHours events later than the end of the landing day plus this are {@code
 *     future_event} (default 24)
 * @param minEventTime events before this instant are {@code too_old} (default 2000-01-01T00:00:00Z)
 * @param maxTextLength a raw field longer than this many characters is {@code oversized_text}
 *     (default 8192)
 * @param maxLineBytes a line longer than this is cut and {@code oversized_text} (default 1 MiB)
 * @param commitAttempts attempts of a Delta write that meets a concurrent commit (default 5); refine and report use it too
 */
public record IngestConfig(
    List<String> sources,
    Double maxQuarantineShare,
    Integer quarantineShareMinLines,
    Integer maxFutureHours,
    String minEventTime,
    Integer maxTextLength,
    Integer maxLineBytes,
    Integer commitAttempts) {
  public IngestConfig {
    sources = Defaults.list(sources, List.of());
    maxQuarantineShare = Defaults.or(maxQuarantineShare, 0.2);
    quarantineShareMinLines = Defaults.or(quarantineShareMinLines, 20);
    maxFutureHours = Defaults.or(maxFutureHours, 24);
    minEventTime = Defaults.or(minEventTime, "2000-01-01T00:00:00Z");
    maxTextLength = Defaults.or(maxTextLength, 8192);
    maxLineBytes = Defaults.or(maxLineBytes, 1048576);
    commitAttempts = Defaults.or(commitAttempts, 5);
    Defaults.require(
        maxQuarantineShare >= 0 && maxQuarantineShare <= 1,
        "ingest.max-quarantine-share",
        "must be between 0 and 1");
    Defaults.require(maxTextLength > 0, "ingest.max-text-length", "must be > 0");
    Defaults.require(maxLineBytes > 0, "ingest.max-line-bytes", "must be > 0");
    Defaults.require(commitAttempts >= 1, "ingest.commit-attempts", "must be >= 1");
    try {
      java.time.Instant.parse(minEventTime);
    } catch (java.time.format.DateTimeParseException e) {
      throw new IllegalArgumentException("ingest.min-event-time must be an ISO instant like 2000-01-01T00:00:00Z");
    }
  }
}
