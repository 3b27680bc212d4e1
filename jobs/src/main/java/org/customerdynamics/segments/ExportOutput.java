package org.customerdynamics.segments;

import java.io.IOException;
import java.net.URI;
import java.util.Locale;
import java.util.UUID;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.common.CdxException;

/**
 * Writes an export so that no reader sees a partial result. On a file system with atomic renames
 * (local, HDFS) the files are written to a hidden sibling folder {@code .<name>.tmp-<uuid>} and the
 * folder is renamed to {@code out} once complete (an existing {@code out}, with {@code --overwrite},
 * is moved aside first and deleted after). On an object store (s3a://, s3://, gs://, …) renames copy,
 * so the folder is written in place by Spark's committer, which publishes the files at job commit
 * and writes {@code _SUCCESS} last: a reader takes the folder only once {@code _SUCCESS} is there.
 * Either way the write is checked for {@code _SUCCESS} before the export reports success.
 */
final class ExportOutput {
  static final String SUCCESS = "_SUCCESS";

  private ExportOutput() {}

  /** The export formats. */
  enum Format {
    CSV,
    PARQUET;

    static Format parse(String value) {
      try {
        return Format.valueOf(value.toUpperCase(Locale.ROOT));
      } catch (IllegalArgumentException | NullPointerException e) {
        throw CdxException.usage("Cannot export: unknown --format '" + value + "'; use csv or parquet");
      }
    }

    String sparkName() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  static boolean onObjectStore(String out) {
    String scheme = URI.create(out.replace(" ", "%20")).getScheme();
    return scheme != null && !scheme.equals("file") && !scheme.equals("hdfs") && !scheme.equals("viewfs");
  }

  /** Fails with a usage error when {@code out} exists and {@code overwrite} is false. */
  static void checkWritable(SparkSession spark, String out, boolean overwrite) {
    if (!overwrite && exists(spark, out)) {
      throw existing(out);
    }
  }

  static CdxException existing(String out) {
    return CdxException.usage("Cannot export to " + out + ": it already exists; pass --overwrite to replace it or choose another --out");
  }

  static boolean exists(SparkSession spark, String out) {
    Path path = new Path(out);
    try {
      return fs(spark, path).exists(path);
    } catch (IOException e) {
      throw new CdxException("Cannot check the export path " + out + ": " + e.getMessage(), e);
    }
  }

  /** Writes {@code data} to {@code out} atomically (see the class comment). */
  static void write(Dataset<Row> data, Format format, String out, boolean overwrite) {
    SparkSession spark = data.sparkSession();
    Path target = new Path(out);
    try {
      FileSystem fs = fs(spark, target);
      if (fs.exists(target) && !overwrite) {
        throw existing(out);
      }
      if (onObjectStore(out)) {
        if (fs.exists(target) && !fs.delete(target, true)) {
          throw new CdxException("Cannot export to " + out + ": the existing output could not be deleted");
        }
        save(data, format, out);
        requireSuccess(fs, target, out);
        return;
      }
      Path parent = target.getParent();
      if (parent != null) {
        fs.mkdirs(parent);
      }
      String id = UUID.randomUUID().toString().substring(0, 8);
      Path tmp = new Path(parent, "." + target.getName() + ".tmp-" + id);
      Path old = new Path(parent, "." + target.getName() + ".old-" + id);
      try {
        save(data, format, tmp.toString());
        requireSuccess(fs, tmp, out);
        boolean replacing = fs.exists(target);
        if (replacing && !fs.rename(target, old)) {
          throw new CdxException("Cannot export to " + out + ": the existing output could not be moved aside");
        }
        if (!fs.rename(tmp, target)) {
          if (replacing) {
            fs.rename(old, target);
          }
          throw new CdxException("Cannot export to " + out + ": renaming the finished export into place failed");
        }
        if (replacing) {
          fs.delete(old, true);
        }
      } finally {
        if (fs.exists(tmp)) {
          fs.delete(tmp, true);
        }
      }
    } catch (IOException e) {
      throw new CdxException("Cannot export to " + out + ": " + e.getMessage(), e);
    }
  }

  private static void save(Dataset<Row> data, Format format, String path) {
    var writer = data.write().mode("errorifexists").format(format.sparkName());
    if (format == Format.CSV) {
      writer = writer.option("header", "true");
    }
    writer.save(path);
  }

  private static void requireSuccess(FileSystem fs, Path dir, String out) throws IOException {
    if (!fs.exists(new Path(dir, SUCCESS))) {
      throw new CdxException("Cannot export to " + out + ": the write finished without " + SUCCESS + "; rerun the export");
    }
  }

  private static FileSystem fs(SparkSession spark, Path path) throws IOException {
    Configuration conf = spark.sparkContext().hadoopConfiguration();
    return path.getFileSystem(conf);
  }
}
