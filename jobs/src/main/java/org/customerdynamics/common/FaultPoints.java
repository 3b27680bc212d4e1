package org.customerdynamics.common;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Named points between the commits of the writing jobs, where the crash tests
 * (faults/CrashInjectionTest) kill the JVM. A point is armed by the system property {@code
 * cdx.fault.point} or the environment variable {@code CDX_FAULT_POINT}: when a job reaches the armed
 * point it writes its process id to the file named by {@code cdx.fault.marker} / {@code
 * CDX_FAULT_MARKER} and blocks, waiting to be killed (it halts by itself after {@code
 * cdx.fault.max-wait-seconds}, default 600, so a forgotten child never lingers). Unarmed, {@link
 * #reach} is one comparison with null: production runs never set the variable. In-process tests can
 * instead make a point run an action once ({@link #onceAt}), e.g. a commit by another run.
 */
public final class FaultPoints {
  private static final String ARMED = setting("cdx.fault.point", "CDX_FAULT_POINT");

  private FaultPoints() {}

  private static final Map<String, Runnable> ONCE = new ConcurrentHashMap<>();

  /** Tests: the next job (of any thread) to reach {@code point} runs {@code action} there first. */
  public static void onceAt(String point, Runnable action) {
    ONCE.put(point, action);
  }

  /** Marks that the job reached {@code point}; blocks until killed when that point is armed. */
  public static void reach(String point) {
    if (!ONCE.isEmpty()) {
      Runnable action = ONCE.remove(point);
      if (action != null) {
        action.run();
      }
    }
    if (ARMED == null || !ARMED.equals(point)) {
      return;
    }
    block(point);
  }

  private static void block(String point) {
    String marker = setting("cdx.fault.marker", "CDX_FAULT_MARKER");
    long pid = ProcessHandle.current().pid();
    System.err.println("cdx: fault point " + point + " reached (pid " + pid + "); waiting to be killed");
    if (marker != null) {
      try {
        Path target = Path.of(marker);
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Files.writeString(tmp, point + " " + pid + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
      } catch (IOException e) {
        System.err.println("cdx: cannot write the fault marker " + marker + ": " + e);
      }
    }
    String max = setting("cdx.fault.max-wait-seconds", "CDX_FAULT_MAX_WAIT_SECONDS");
    long deadline = System.nanoTime() + Long.parseLong(max == null ? "600" : max) * 1_000_000_000L;
    while (System.nanoTime() < deadline) {
      try {
        Thread.sleep(1000);
      } catch (InterruptedException e) {
        // keep blocking: only a kill (or the deadline) ends this process
      }
    }
    Runtime.getRuntime().halt(99);
  }

  private static String setting(String property, String variable) {
    String v = System.getProperty(property);
    if (v == null || v.isEmpty()) {
      v = System.getenv(variable);
    }
    return v == null || v.isEmpty() ? null : v;
  }
}
