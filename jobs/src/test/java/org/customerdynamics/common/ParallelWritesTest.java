package org.customerdynamics.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Independent Delta writes of one job, side by side on a few threads. */
class ParallelWritesTest extends SparkTestBase {

  @Test
  void everyWriteCommitsItsOwnTableAndTheNamesComeBackInTheOrderAdded(@TempDir Path root) {
    Lakehouse lakehouse = lakehouse(config(root));
    ParallelWrites writes = new ParallelWrites(spark(), 3);
    for (int i = 1; i <= 5; i++) {
      int n = i;
      writes.add("gold.t" + n, () -> lakehouse.overwrite(spark().range(n * 10L).toDF(), "gold.t" + n));
    }
    assertThat(writes.run()).containsExactly("gold.t1", "gold.t2", "gold.t3", "gold.t4", "gold.t5");
    for (int i = 1; i <= 5; i++) {
      assertThat(lakehouse.read("gold.t" + i).count()).isEqualTo(i * 10L);
      assertThat(lakehouse.version("gold.t" + i)).isZero();
    }
  }

  @Test
  void writesRunAtOnceUpToTheThreadsGiven() throws Exception {
    // Two writes that each wait for the other to start: they finish only when run side by side.
    CountDownLatch started = new CountDownLatch(2);
    List<Boolean> metTheOther = Collections.synchronizedList(new ArrayList<>());
    ParallelWrites writes = new ParallelWrites(spark(), 2);
    for (String name : List.of("a", "b")) {
      writes.add(name, () -> {
        started.countDown();
        try {
          metTheOther.add(started.await(30, TimeUnit.SECONDS));
        } catch (InterruptedException e) {
          throw new IllegalStateException(e);
        }
      });
    }
    writes.run();
    assertThat(metTheOther).containsExactly(true, true);

    // One thread: one after the other, on the calling thread, in the order added.
    List<String> order = Collections.synchronizedList(new ArrayList<>());
    Thread caller = Thread.currentThread();
    ParallelWrites oneByOne = new ParallelWrites(spark(), 1);
    for (String name : List.of("x", "y", "z")) {
      oneByOne.add(name, () -> order.add(name + (Thread.currentThread() == caller ? "" : " elsewhere")));
    }
    oneByOne.run();
    assertThat(order).containsExactly("x", "y", "z");
  }

  @Test
  void aFailedWriteIsThrownOnlyAfterTheOthersHaveCommitted(@TempDir Path root) {
    Lakehouse lakehouse = lakehouse(config(root));
    lakehouse.overwrite(spark().range(3).toDF(), "gold.typed");
    Dataset<Row> wrongType = spark().range(3).selectExpr("cast(id as string) as id");
    CountDownLatch failed = new CountDownLatch(1);
    ParallelWrites writes = new ParallelWrites(spark(), 2);
    writes.add("gold.typed", () -> {
      try {
        lakehouse.append(wrongType, "gold.typed");
      } finally {
        failed.countDown();
      }
    });
    writes.add("gold.slow", () -> {
      try {
        failed.await(30, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        throw new IllegalStateException(e);
      }
      lakehouse.overwrite(spark().range(7).toDF(), "gold.slow");
    });
    writes.add("gold.broken", () -> {
      throw new IllegalStateException("second failure");
    });
    assertThatThrownBy(writes::run)
        // Delta's type clash is a checked exception: wrapped, named by its write.
        .hasMessageStartingWith("Cannot write gold.typed: [DELTA_FAILED_TO_MERGE_FIELDS]")
        .satisfies(e -> assertThat(e.getSuppressed()).extracting(Throwable::getMessage).containsExactly("second failure"));
    // The write that started after the failure still ran to its commit before run() returned.
    assertThat(lakehouse.read("gold.slow").count()).isEqualTo(7);
    assertThat(lakehouse.read("gold.typed").count()).isEqualTo(3);
  }

  @Test
  void twoWritesOfOneNameAreRefused() {
    ParallelWrites writes = new ParallelWrites(spark(), 2).add("gold.t", () -> {});
    assertThatThrownBy(() -> writes.add("gold.t", () -> {}))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessage("Two writes named gold.t");
  }
}
