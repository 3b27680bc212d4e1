package org.customerdynamics.ml;

import static org.apache.spark.sql.functions.*;

import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;

/**
 * Writes point-in-time feature snapshots to {@code gold.features} (partitioned by {@code
 * snapshot_date}; each snapshot date replaced atomically, so reruns give the same table).
 * Inputs: {@code silver.interactions}; {@code gold.text_sentiment} and {@code gold.graph_features}
 * when present.
 */
public final class FeaturesJob {
  public static final String TABLE = "gold.features";
  public static final String INTERACTIONS = "silver.interactions";
  public static final String TEXT_SENTIMENT = "gold.text_sentiment";
  public static final String GRAPH = "gold.graph_features";

  private final SparkSession spark;
  private final Lakehouse lakehouse;
  private final MlConfig.Features settings;

  public FeaturesJob(SparkSession spark, CdxConfig config) {
    this.spark = spark;
    this.lakehouse = new Lakehouse(spark, config);
    this.settings = config.ml().features();
  }

  /** Snapshots at D, D - every, …, {@code count} of them; returns the dates written. */
  public List<LocalDate> run(LocalDate runDate, int count, int everyDays) {
    List<LocalDate> dates = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      dates.add(runDate.minusDays((long) i * everyDays));
    }
    write(dates);
    return dates;
  }

  /**
   * Computes the snapshots among {@code dates} that gold.features does not hold yet (all of them,
   * and every stored one, when the table was written by another feature definition).
   */
  public void ensure(List<LocalDate> dates) {
    List<LocalDate> missing = new ArrayList<>(dates);
    if (lakehouse.exists(TABLE) && !List.of(lakehouse.read(TABLE).columns()).equals(FeatureTransforms.columns())) {
      rebuild(dates);
      return;
    }
    if (lakehouse.exists(TABLE)) {
      List<LocalDate> have =
          lakehouse.read(TABLE)
              .filter(col("snapshot_date").isin(dates.stream().map(Date::valueOf).toArray()))
              .select("snapshot_date").distinct().collectAsList().stream()
              .map(r -> r.getDate(0).toLocalDate())
              .toList();
      missing.removeAll(have);
    }
    if (!missing.isEmpty()) {
      write(missing);
    }
  }

  private void write(List<LocalDate> dates) {
    if (lakehouse.exists(TABLE)
        && !List.of(lakehouse.read(TABLE).columns()).equals(FeatureTransforms.columns())) {
      rebuild(dates);
      return;
    }
    spark.sparkContext().setJobGroup("features", "features: snapshots " + dates, false);
    Dataset<Row> features = compute(dates);
    String predicate =
        "snapshot_date IN (" + dates.stream().map(d -> "DATE'" + d + "'").collect(Collectors.joining(", ")) + ")";
    lakehouse.replaceWhere(features, TABLE, predicate, "snapshot_date");
    spark.sparkContext().clearJobGroup();
  }

  /**
   * The stored snapshots were written by another feature definition (columns differ): every stored
   * snapshot date and the requested ones are recomputed from silver with the current definition and
   * the table is replaced in one commit (models trained on the old table still read it by version).
   */
  private void rebuild(List<LocalDate> dates) {
    java.util.SortedSet<LocalDate> all = new java.util.TreeSet<>(dates);
    lakehouse.read(TABLE).select("snapshot_date").distinct().collectAsList()
        .forEach(r -> all.add(r.getDate(0).toLocalDate()));
    List<LocalDate> list = List.copyOf(all);
    System.out.println("features: " + TABLE + " was written with other columns; recomputing its " + list.size()
        + " snapshots with the current definition");
    spark.sparkContext().setJobGroup("features", "features: rebuild snapshots " + list, false);
    lakehouse.overwrite(compute(list), TABLE, "snapshot_date");
    spark.sparkContext().clearJobGroup();
  }

  private Dataset<Row> compute(List<LocalDate> dates) {
    return
        FeatureTransforms.snapshots(
            lakehouse.read(INTERACTIONS),
            snapshotDates(spark, dates),
            textSentiment(),
            lakehouse.exists(GRAPH) ? lakehouse.read(GRAPH) : null,
            settings.lookbackDays(),
            settings.recentDays(),
            settings.windowDays());
  }

  private Dataset<Row> textSentiment() {
    if (lakehouse.exists(TEXT_SENTIMENT)) {
      return lakehouse.read(TEXT_SENTIMENT).select("person_id", "event_date", "sentiment");
    }
    StructType schema =
        new StructType()
            .add("person_id", DataTypes.StringType)
            .add("event_date", DataTypes.DateType)
            .add("sentiment", DataTypes.DoubleType);
    return spark.createDataFrame(List.of(), schema);
  }

  /** A one-column ({@code snapshot_date}) dataset of the given dates. */
  public static Dataset<Row> snapshotDates(SparkSession spark, List<LocalDate> dates) {
    List<Row> rows = dates.stream().map(d -> RowFactory.create(Date.valueOf(d))).toList();
    return spark.createDataFrame(rows, new StructType().add("snapshot_date", DataTypes.DateType));
  }
}
