package org.customerdynamics.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.SparkSessions;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.common.config.ConfigLoader;

/**
 * One SparkSession per test JVM (local[2], 2 shuffle partitions, UI off, Delta and the embedded
 * catalog on). Each test gives its own lakehouse root (a {@code @TempDir}) through {@link #config}.
 */
public abstract class SparkTestBase {
  private static SparkSession shared;
  private static Path jvmDir;

  /** The project checkout (for conf/ and fixtures). */
  public static Path projectDir() {
    String dir = System.getProperty("cdx.project.dir");
    return dir != null ? Path.of(dir).toAbsolutePath().normalize() : Path.of("..").toAbsolutePath().normalize();
  }

  protected static synchronized SparkSession spark() {
    if (shared == null) {
      try {
        jvmDir = Files.createTempDirectory("cdx-test-jvm");
        // Deleted by Spark's own shutdown hook for temporary folders, which runs after the one that
        // stops the session (and its catalog) when the JVM exits.
        org.apache.spark.util.ShutdownHookManager.registerShutdownDeleteDir(jvmDir.toFile());
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      CdxConfig base = config(jvmDir.resolve("lakehouse"));
      shared = SparkSessions.build(base, "cdx-tests");
    }
    return shared;
  }

  /**
   * The local config with the lakehouse, landing and checkpoints under {@code root}, a 2-core
   * master and few shuffle partitions, plus any {@code key=value} overrides.
   */
  protected static CdxConfig config(Path root, String... overrides) {
    List<String> sets = new ArrayList<>();
    sets.add("lakehouse=" + root.resolve("lakehouse"));
    sets.add("landing=" + root.resolve("landing"));
    sets.add("checkpoint-dir=" + root.resolve("checkpoints"));
    sets.add("model-dir=" + root.resolve("models"));
    sets.add("spark.master=local[2]");
    sets.add("spark.shuffle-partitions=2");
    if (jvmDir != null) {
      sets.add("catalog.derby-dir=" + jvmDir.resolve("catalog"));
    } else {
      sets.add("catalog.derby-dir=" + root.resolve("catalog"));
    }
    String s3 = System.getenv("CDX_S3_ENDPOINT");
    if (s3 != null && !s3.isBlank()) {
      // The loopback S3-compatible server of bin/s3server; credentials come from the AWS provider chain.
      sets.add("s3.endpoint=" + s3);
      sets.add("s3.path-style-access=true");
      sets.add("s3.ssl-enabled=" + s3.startsWith("https"));
    }
    sets.addAll(List.of(overrides));
    return ConfigLoader.load(projectDir().resolve("conf").toString(), "local", sets);
  }

  protected static Lakehouse lakehouse(CdxConfig config) {
    Lakehouse lakehouse = new Lakehouse(spark(), config);
    lakehouse.ensureDatabases();
    return lakehouse;
  }
}
