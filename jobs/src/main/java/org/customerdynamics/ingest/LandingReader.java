package org.customerdynamics.ingest;

import java.io.IOException;
import java.io.InputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.nio.charset.StandardCharsets;
import java.sql.Date;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.zip.GZIPInputStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.api.java.function.FlatMapFunction;
import org.apache.spark.broadcast.Broadcast;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.CdxException;

/**
 * Reads landed files as numbered text lines. Spark's text reader loses line numbers and may split a
 * file; here each file is read by one task, in order, so every line keeps its file and 1-based line
 * number (the header of a CSV file is line 1 and is not emitted). Lines split on {@code \n} (a
 * trailing {@code \r} is dropped) and decode as UTF-8 with invalid bytes replaced by U+FFFD, which
 * marks the line {@code bad_encoding} later. {@code .gz} files are decompressed. A line longer than
 * the byte limit is cut and flagged; a file that fails mid-read yields one row carrying the error.
 */
public final class LandingReader {
  /** One landed file to read. Paths are relative to the landing root, e.g. {@code web/2026-01-01/part-0000.jsonl.gz}. */
  public record LandedFile(
      String source, String file, LocalDate landingDate, long size, String header) {}

  /** Schema of the lines: lineage, the decoded text and read flags. */
  public static final StructType LINES =
      new StructType()
          .add("source", DataTypes.StringType, false)
          .add("source_file", DataTypes.StringType, false)
          .add("landing_date", DataTypes.DateType, false)
          .add("line_number", DataTypes.LongType, false)
          .add("value", DataTypes.StringType, true)
          .add("oversized_line", DataTypes.BooleanType, false)
          .add("read_error", DataTypes.StringType, true);

  private LandingReader() {}

  /** The files of a source landed on a date matching the mapping's glob, sorted by path. */
  public static List<LandedFile> list(
      Configuration conf, String landing, SourceMapping mapping, LocalDate date) {
    String relativeDir = mapping.source() + "/" + date;
    Path glob = new Path(landing + "/" + relativeDir + "/" + mapping.files());
    List<LandedFile> out = new ArrayList<>();
    try {
      FileSystem fs = glob.getFileSystem(conf);
      FileStatus[] found = fs.globStatus(glob);
      if (found == null) {
        return out;
      }
      Arrays.sort(found, (a, b) -> a.getPath().getName().compareTo(b.getPath().getName()));
      for (FileStatus st : found) {
        if (!st.isFile() || st.getPath().getName().startsWith(".") || st.getPath().getName().startsWith("_")) {
          continue;
        }
        String relative = relativeDir + "/" + st.getPath().getName();
        String header = mapping.csv() ? firstLine(fs, st.getPath()) : null;
        out.add(new LandedFile(mapping.source(), relative, date, st.getLen(), header));
      }
    } catch (IOException e) {
      throw new CdxException(
          "Cannot list landed files " + glob + ": " + e.getMessage() + "; check the landing zone and access rights", e);
    }
    return out;
  }

  /** The first line of a file; null when the file holds no line at all (an empty file). */
  private static String firstLine(FileSystem fs, Path path) throws IOException {
    try (InputStream in = open(fs, path)) {
      LineIterator.Line line = new LineIterator.Line();
      return LineIterator.readLine(in, line, 1 << 20) ? line.text : null;
    }
  }

  static InputStream open(FileSystem fs, Path path) throws IOException {
    InputStream raw = fs.open(path);
    return path.getName().endsWith(".gz") ? new GZIPInputStream(raw, 1 << 16) : raw;
  }

  /** The numbered lines of the files, in up to {@code slices} Spark tasks (whole files each). */
  public static Dataset<Row> lines(
      SparkSession spark, String landing, List<LandedFile> files, boolean skipHeader, int maxLineBytes, int slices) {
    StructType fileSchema =
        new StructType()
            .add("source", DataTypes.StringType)
            .add("file", DataTypes.StringType)
            .add("landing_date", DataTypes.DateType)
            .add("csv", DataTypes.BooleanType);
    List<Row> rows = new ArrayList<>();
    for (LandedFile f : files) {
      rows.add(RowFactory.create(f.source(), f.file(), Date.valueOf(f.landingDate()), f.header() != null));
    }
    JavaSparkContext sc = JavaSparkContext.fromSparkContext(spark.sparkContext());
    // Broadcast, not captured: a captured configuration (about a thousand entries) is part of the
    // closure, which every task of every later stage over these lines deserializes again (the scans
    // of the cached records included); a broadcast is fetched once per executor.
    Broadcast<SerializableConf> conf = sc.broadcast(new SerializableConf(spark.sparkContext().hadoopConfiguration()));
    String root = landing;
    FlatMapFunction<Row, Row> read =
        f -> new LineIterator(conf.value().get(), root, f.getString(0), f.getString(1), f.getDate(2), f.getBoolean(3) && skipHeader, maxLineBytes);
    // parallelize, not repartition: spreading the file list needs no shuffle stage.
    JavaRDD<Row> fileRdd = sc.parallelize(rows, Math.max(1, Math.min(files.size(), slices)));
    return spark.createDataFrame(fileRdd, fileSchema).flatMap(read, Encoders.row(LINES));
  }

  /** Streams the lines of one file as rows of {@link #LINES}. */
  static final class LineIterator implements Iterator<Row> {
    static final class Line {
      String text;
      boolean cut;
      byte[] buf = new byte[1 << 12];
      final byte[] chunk = new byte[1 << 16];
      int pos;
      int limit;
    }

    private final String source;
    private final String file;
    private final Date landingDate;
    private final int maxLineBytes;
    private InputStream in;
    private long number;
    private Row next;
    private final Line line = new Line();

    LineIterator(
        Configuration conf,
        String root,
        String source,
        String file,
        Date landingDate,
        boolean skipHeader,
        int maxLineBytes) {
      this.source = source;
      this.file = file;
      this.landingDate = landingDate;
      this.maxLineBytes = maxLineBytes;
      try {
        Path path = new Path(root + "/" + file);
        in = open(path.getFileSystem(conf), path);
        if (skipHeader && readLine(in, line, maxLineBytes)) {
          number = 1;
        }
        advance();
      } catch (IOException e) {
        fail(e);
      }
    }

    private void advance() {
      try {
        if (in != null && readLine(in, line, maxLineBytes)) {
          // A byte order mark opens the first line of some exports: it is not part of the record.
          String text = number == 0 && line.text.startsWith("\uFEFF") ? line.text.substring(1) : line.text;
          number++;
          next = RowFactory.create(source, file, landingDate, number, text, line.cut, null);
        } else {
          close();
          next = null;
        }
      } catch (IOException e) {
        fail(e);
      }
    }

    private void fail(IOException e) {
      close();
      number++;
      next =
          RowFactory.create(
              source, file, landingDate, number, null, false, e.getClass().getSimpleName() + ": " + e.getMessage());
      in = null;
    }

    private void close() {
      if (in != null) {
        try {
          in.close();
        } catch (IOException ignored) {
          // the lines are read; a failure to close changes nothing
        }
        in = null;
      }
    }

    @Override
    public boolean hasNext() {
      return next != null;
    }

    @Override
    public Row next() {
      if (next == null) {
        throw new NoSuchElementException();
      }
      Row out = next;
      if (in == null) {
        next = null;
      } else {
        advance();
      }
      return out;
    }

    /** Reads up to the next {@code \n}; false at end of input. Keeps at most {@code max} bytes. */
    static boolean readLine(InputStream in, Line line, int max) throws IOException {
      int len = 0;
      boolean cut = false;
      boolean any = false;
      while (true) {
        if (line.pos >= line.limit) {
          line.limit = in.read(line.chunk, 0, line.chunk.length);
          line.pos = 0;
          if (line.limit <= 0) {
            line.limit = 0;
            if (!any) {
              return false;
            }
            break;
          }
        }
        any = true;
        int start = line.pos;
        int end = start;
        byte[] c = line.chunk;
        int limit = line.limit;
        while (end < limit && c[end] != '\n') {
          end++;
        }
        int n = end - start;
        int keep = Math.min(n, max - len);
        if (keep < n) {
          cut = true;
        }
        if (keep > 0) {
          if (len + keep > line.buf.length) {
            line.buf = Arrays.copyOf(line.buf, Math.min(max, Math.max(len + keep, line.buf.length * 2)));
          }
          System.arraycopy(c, start, line.buf, len, keep);
          len += keep;
        }
        if (end < limit) {
          line.pos = end + 1;
          break;
        }
        line.pos = limit;
      }
      if (len > 0 && line.buf[len - 1] == '\r') {
        len--;
      }
      line.text = new String(line.buf, 0, len, StandardCharsets.UTF_8);
      line.cut = cut;
      return true;
    }
  }

  /** A Hadoop configuration that travels to executors (S3A settings included). */
  static final class SerializableConf implements Serializable {
    private transient Configuration conf;

    SerializableConf(Configuration conf) {
      this.conf = conf;
    }

    Configuration get() {
      return conf;
    }

    private void writeObject(ObjectOutputStream out) throws IOException {
      out.defaultWriteObject();
      conf.write(out);
    }

    private void readObject(ObjectInputStream in) throws IOException, ClassNotFoundException {
      in.defaultReadObject();
      conf = new Configuration(false);
      conf.readFields(in);
    }
  }
}
