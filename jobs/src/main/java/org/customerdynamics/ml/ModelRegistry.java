package org.customerdynamics.ml;

import static org.apache.spark.sql.functions.*;

import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.Lakehouse;

/**
 * {@code gold.model_registry}: one row per trained model version (promoted or rejected). The champion
 * of a model is its latest promoted version. Rows are upserted with MERGE on (model_name, version);
 * retraining a model for the same run date reuses that date's version number and is gated against
 * the champion before that version (not a later one), so reruns give the same registry even after
 * later versions were trained.
 */
public final class ModelRegistry {
  public static final String TABLE = "gold.model_registry";

  public static final StructType SCHEMA =
      new StructType()
          .add("model_name", DataTypes.StringType, false)
          .add("version", DataTypes.LongType, false)
          .add("trained_for_date", DataTypes.DateType, false)
          .add("algorithm", DataTypes.StringType)
          .add("params", DataTypes.StringType)
          .add("features", DataTypes.createArrayType(DataTypes.StringType))
          .add("train_window_start", DataTypes.DateType)
          .add("train_window_end", DataTypes.DateType)
          .add("eval_snapshot_date", DataTypes.DateType)
          .add("input_versions", DataTypes.createMapType(DataTypes.StringType, DataTypes.LongType))
          .add("metrics", DataTypes.createMapType(DataTypes.StringType, DataTypes.DoubleType))
          .add("details", DataTypes.StringType)
          .add("primary_metric", DataTypes.StringType)
          .add("primary_value", DataTypes.DoubleType)
          .add("champion_version", DataTypes.LongType)
          .add("champion_value", DataTypes.DoubleType)
          .add("verdict", DataTypes.StringType)
          .add("reason", DataTypes.StringType)
          .add("model_path", DataTypes.StringType);

  /** One registry row. */
  public record Entry(
      String modelName,
      long version,
      LocalDate trainedForDate,
      String algorithm,
      String params,
      List<String> features,
      LocalDate trainWindowStart,
      LocalDate trainWindowEnd,
      LocalDate evalSnapshotDate,
      Map<String, Long> inputVersions,
      Map<String, Double> metrics,
      String details,
      String primaryMetric,
      double primaryValue,
      Long championVersion,
      Double championValue,
      String verdict,
      String reason,
      String modelPath) {
    Row toRow() {
      return RowFactory.create(
          modelName, version, Date.valueOf(trainedForDate), algorithm, params,
          scala.jdk.javaapi.CollectionConverters.asScala(features).toSeq(),
          date(trainWindowStart), date(trainWindowEnd), date(evalSnapshotDate),
          scala.jdk.javaapi.CollectionConverters.asScala(inputVersions),
          scala.jdk.javaapi.CollectionConverters.asScala(metrics),
          details, primaryMetric, primaryValue, championVersion, championValue, verdict, reason, modelPath);
    }

    public double metric(String name) {
      Double v = metrics.get(name);
      return v == null ? Double.NaN : v;
    }
  }

  private final Lakehouse lakehouse;

  public ModelRegistry(Lakehouse lakehouse) {
    this.lakehouse = lakehouse;
  }

  /** The version a model trained for {@code date} gets: that date's existing version, else the next. */
  public long versionFor(String modelName, LocalDate date) {
    if (!lakehouse.exists(TABLE)) {
      return 1;
    }
    Dataset<Row> rows = lakehouse.read(TABLE).filter(col("model_name").equalTo(modelName));
    Row same = rows.filter(col("trained_for_date").equalTo(lit(Date.valueOf(date)))).agg(max("version")).head();
    if (!same.isNullAt(0)) {
      return same.getLong(0);
    }
    Row top = rows.agg(max("version")).head();
    return top.isNullAt(0) ? 1 : top.getLong(0) + 1;
  }

  /**
   * The champion a new {@code version} is gated against: the latest promoted version below it. A
   * rerun of an older date thus meets the champion it met the first time, not a later version.
   */
  public Optional<Entry> championBefore(String modelName, long version) {
    if (!lakehouse.exists(TABLE)) {
      return Optional.empty();
    }
    List<Row> rows =
        lakehouse.read(TABLE)
            .filter(col("model_name").equalTo(modelName)
                .and(col("verdict").equalTo("promoted"))
                .and(col("version").lt(version)))
            .orderBy(col("version").desc())
            .limit(1)
            .collectAsList();
    return rows.isEmpty() ? Optional.empty() : Optional.of(fromRow(rows.get(0)));
  }

  /** The champion: the latest promoted version. */
  public Optional<Entry> champion(String modelName) {
    return championBefore(modelName, Long.MAX_VALUE);
  }

  public List<Entry> all() {
    if (!lakehouse.exists(TABLE)) {
      return List.of();
    }
    List<Entry> out = new ArrayList<>();
    for (Row r : lakehouse.read(TABLE).orderBy("model_name", "version").collectAsList()) {
      out.add(fromRow(r));
    }
    return out;
  }

  /** Upserts one entry (MERGE on model_name and version). */
  public void record(Entry entry) {
    Dataset<Row> row = lakehouse.spark().createDataFrame(List.of(entry.toRow()), SCHEMA);
    if (!lakehouse.exists(TABLE)) {
      lakehouse.append(row, TABLE);
      return;
    }
    lakehouse
        .delta(TABLE)
        .as("t")
        .merge(row.as("s"), "t.model_name = s.model_name AND t.version = s.version")
        .whenMatched()
        .updateAll()
        .whenNotMatched()
        .insertAll()
        .execute();
    lakehouse.register(TABLE);
  }

  static Entry fromRow(Row r) {
    return new Entry(
        r.getAs("model_name"),
        r.<Long>getAs("version"),
        local(r.getAs("trained_for_date")),
        r.getAs("algorithm"),
        r.getAs("params"),
        r.isNullAt(r.fieldIndex("features")) ? List.of() : r.<String>getList(r.fieldIndex("features")),
        local(r.getAs("train_window_start")),
        local(r.getAs("train_window_end")),
        local(r.getAs("eval_snapshot_date")),
        r.getJavaMap(r.fieldIndex("input_versions")),
        r.getJavaMap(r.fieldIndex("metrics")),
        r.getAs("details"),
        r.getAs("primary_metric"),
        r.<Double>getAs("primary_value"),
        r.getAs("champion_version"),
        r.getAs("champion_value"),
        r.getAs("verdict"),
        r.getAs("reason"),
        r.getAs("model_path"));
  }

  private static Date date(LocalDate d) {
    return d == null ? null : Date.valueOf(d);
  }

  private static LocalDate local(Object d) {
    return d == null ? null : ((Date) d).toLocalDate();
  }
}
