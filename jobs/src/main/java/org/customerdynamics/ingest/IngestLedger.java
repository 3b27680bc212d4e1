package org.customerdynamics.ingest;

import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Function;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.catalyst.expressions.GenericRowWithSchema;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;

/**
 * The rows of {@code bronze.ingest_ledger} (docs/tables-ingest.md), one per landed file, computed on
 * the driver from the run's per-file outcome counts: a few rows per file, already collected, so no
 * Spark job is needed to join them.
 */
public final class IngestLedger {
  /** The ledger's columns, in table order; every column nullable, as the table was created. */
  public static final StructType SCHEMA =
      new StructType()
          .add("source", DataTypes.StringType)
          .add("source_file", DataTypes.StringType)
          .add("file_size", DataTypes.LongType)
          .add("header", DataTypes.StringType)
          .add("ingest_run", DataTypes.StringType)
          .add("lines_read", DataTypes.LongType)
          .add("bronze_rows", DataTypes.LongType)
          .add("quarantined", DataTypes.LongType)
          .add("duplicates", DataTypes.LongType)
          .add("balanced", DataTypes.BooleanType)
          .add("quarantine_share", DataTypes.DoubleType)
          .add("quarantine_reasons", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType, true))
          .add("landing_date", DataTypes.DateType);

  /** Ledger rows in landing date, source and file order. */
  public static final Comparator<Row> ORDER =
      Comparator.<Row, Date>comparing(r -> r.getAs("landing_date"))
          .thenComparing(r -> r.<String>getAs("source"))
          .thenComparing(r -> r.<String>getAs("source_file"));

  private IngestLedger() {}

  /**
   * One row per file of {@code files}, in {@link #ORDER}. {@code outcomeCounts}: records per file,
   * outcome and reason ({@code source_file, outcome, reason, n}, as {@link
   * IngestTransforms#outcomeCounts} gives them); {@code bronze} and {@code quarantined}: what the
   * tables hold for each file now (a file missing holds none). A row balances only when the writes
   * kept every line: {@code lines_read = bronze_rows + quarantined + duplicates}, and bronze holds
   * exactly the accepted records.
   */
  public static List<Row> rows(
      List<LandingReader.LandedFile> files,
      List<Row> outcomeCounts,
      Map<String, Long> bronze,
      Map<String, Long> quarantined,
      Function<LocalDate, String> ingestRun) {
    Map<String, long[]> perFile = new HashMap<>();
    Map<String, TreeMap<String, Long>> reasons = new HashMap<>();
    for (Row r : outcomeCounts) {
      String file = r.getAs("source_file");
      String outcome = r.getAs("outcome");
      long n = r.<Long>getAs("n");
      long[] t = perFile.computeIfAbsent(file, f -> new long[3]);
      t[0] += n;
      if (IngestTransforms.DUPLICATE.equals(outcome)) {
        t[1] += n;
      } else if (IngestTransforms.ACCEPTED.equals(outcome)) {
        t[2] += n;
      } else if (IngestTransforms.QUARANTINED.equals(outcome)) {
        reasons.computeIfAbsent(file, f -> new TreeMap<>()).merge(r.getAs("reason"), n, Long::sum);
      }
    }
    List<Row> rows = new ArrayList<>();
    for (LandingReader.LandedFile f : files) {
      long[] t = perFile.getOrDefault(f.file(), new long[3]);
      long lines = t[0];
      long inBronze = bronze.getOrDefault(f.file(), 0L);
      long inQuarantine = quarantined.getOrDefault(f.file(), 0L);
      long duplicates = t[1];
      boolean balanced = lines == inBronze + inQuarantine + duplicates && inBronze == t[2];
      rows.add(
          new GenericRowWithSchema(
              new Object[] {
                f.source(),
                f.file(),
                f.size(),
                f.header(),
                ingestRun.apply(f.landingDate()),
                lines,
                inBronze,
                inQuarantine,
                duplicates,
                balanced,
                lines > 0 ? (double) inQuarantine / lines : 0.0,
                scala.jdk.javaapi.CollectionConverters.asScala(reasons.getOrDefault(f.file(), new TreeMap<>())),
                Date.valueOf(f.landingDate())
              },
              SCHEMA));
    }
    rows.sort(ORDER);
    return rows;
  }

  /** Per-file totals of one outcome from the outcome counts ({@code source_file → n}). */
  public static Map<String, Long> countsOf(List<Row> outcomeCounts, String outcome) {
    Map<String, Long> out = new HashMap<>();
    for (Row r : outcomeCounts) {
      if (outcome.equals(r.getAs("outcome"))) {
        out.merge(r.getAs("source_file"), r.<Long>getAs("n"), Long::sum);
      }
    }
    return out;
  }

  /** Records of one outcome in all, from the outcome counts. */
  public static long total(List<Row> outcomeCounts, String outcome) {
    return countsOf(outcomeCounts, outcome).values().stream().mapToLong(Long::longValue).sum();
  }
}
