package org.customerdynamics.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ConcurrentModificationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Retries of Delta commits that meet a concurrent writer (no Spark: the write is a stand-in). */
class CommitsTest {

  @Test
  void aConflictIsRetriedUntilTheWriteSucceeds() {
    AtomicInteger calls = new AtomicInteger();
    String result =
        Commits.retrying("write reporting.daily_kpis", 3, () -> {
          if (calls.incrementAndGet() < 3) {
            throw new IllegalStateException("commit failed", new ConcurrentModificationException("concurrent append"));
          }
          return "written";
        });
    assertThat(result).isEqualTo("written");
    assertThat(calls).hasValue(3);
  }

  @Test
  void aConflictOnEveryAttemptIsOneLineNamingTheTable() {
    AtomicInteger calls = new AtomicInteger();
    ConcurrentModificationException conflict = new ConcurrentModificationException("concurrent append");
    assertThatThrownBy(
            () -> Commits.retrying("write reporting.daily_kpis", 2, () -> {
              calls.incrementAndGet();
              throw conflict;
            }))
        .isInstanceOf(CdxException.class)
        .hasMessageStartingWith("Cannot write reporting.daily_kpis: concurrent Delta commits conflicted with all 2 attempts")
        .hasMessageEndingWith("rerun the job for the same date, or raise ingest.commit-attempts")
        .hasCause(conflict);
    assertThat(calls).hasValue(2);
  }

  @Test
  void otherFailuresAreNotRetried() {
    AtomicInteger calls = new AtomicInteger();
    IllegalArgumentException bad = new IllegalArgumentException("schema mismatch");
    assertThatThrownBy(
            () -> Commits.retrying("write reporting.daily_kpis", 5, () -> {
              calls.incrementAndGet();
              throw bad;
            }))
        .isSameAs(bad);
    assertThat(calls).hasValue(1);
  }
}
