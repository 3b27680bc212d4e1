package org.customerdynamics.identity;

import java.util.Iterator;
import java.util.Locale;
import java.util.Random;
import scala.Tuple2;

/**
 * The heap that {@link ConnectedComponents}' one-task way holds per edge, to size {@code
 * identity.single-task-max-edges} against an executor's memory: {@code edges} random edges over as
 * many identifier-like nodes ({@code em:} and 24 hex digits), each endpoint a fresh string as a task
 * reads it from its rows. Prints the heap held by the union-find and the seconds it took.
 *
 * <p>Usage: {@code UnionFindFootprint [edges=1000000]}; see docs/benchmarks.md for the command.
 */
public final class UnionFindFootprint {
  private UnionFindFootprint() {}

  public static void main(String[] args) {
    int edges = args.length > 0 ? Integer.parseInt(args[0]) : 1_000_000;
    Random random = new Random(1);
    String[] nodes = new String[edges];
    for (int i = 0; i < edges; i++) {
      nodes[i] = String.format(Locale.ROOT, "em:%024x", random.nextLong() & Long.MAX_VALUE);
    }
    Runtime rt = Runtime.getRuntime();
    System.gc();
    long before = rt.totalMemory() - rt.freeMemory();
    long t = System.nanoTime();
    ConnectedComponents.UnionFind<String> forest =
        new ConnectedComponents.UnionFind<>(new ConnectedComponents.Utf8Order());
    for (int i = 0; i < edges; i++) {
      forest.union(
          new String(nodes[random.nextInt(edges)].toCharArray()),
          new String(nodes[random.nextInt(edges)].toCharArray()));
    }
    double seconds = (System.nanoTime() - t) / 1e9;
    System.gc();
    long held = rt.totalMemory() - rt.freeMemory() - before;
    long vertices = 0;
    for (Iterator<Tuple2<String, String>> it = forest.components(); it.hasNext(); it.next()) {
      vertices++;
    }
    System.out.printf(
        Locale.ROOT,
        "%,d edges, %,d nodes: union-find holds %,.0f MB, %.0f bytes per edge; %.1f s%n",
        edges, vertices, held / 1e6, held / (double) edges, seconds);
  }
}
