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

  /** Computes the snapshots among {@code dates} that gold.features does not hold yet. */
  public void ensure(List<LocalDate> dates) {
    List<LocalDate> missing = new ArrayList<>(dates);
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
    spark.sparkContext().setJobGroup("features", "features: snapshots " + dates, false);
    Dataset<Row> features =
        FeatureTransforms.snapshots(
            lakehouse.read(INTERACTIONS),
            snapshotDates(spark, dates),
            textSentiment(),
            lakehouse.exists(GRAPH) ? lakehouse.read(GRAPH) : null,
            settings.lookbackDays(),
            settings.recentDays(),
            settings.windowDays());
    String predicate =
        "snapshot_date IN (" + dates.stream().map(d -> "DATE'" + d + "'").collect(Collectors.joining(", ")) + ")";
    lakehouse.replaceWhere(features, TABLE, predicate, "snapshot_date");
    spark.sparkContext().clearJobGroup();
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
