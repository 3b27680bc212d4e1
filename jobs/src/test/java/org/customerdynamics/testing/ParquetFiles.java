package org.customerdynamics.testing;

import java.util.List;

/** Reads what tests check in a table's Parquet files. */
public final class ParquetFiles {
  private ParquetFiles() {}

  /** The columns of a Parquet file's first row group that are written with a dictionary. */
  public static List<String> dictionaryColumns(String file) {
    try (var reader =
        org.apache.parquet.hadoop.ParquetFileReader.open(
            org.apache.parquet.hadoop.util.HadoopInputFile.fromPath(
                new org.apache.hadoop.fs.Path(file), new org.apache.hadoop.conf.Configuration()))) {
      return reader.getFooter().getBlocks().get(0).getColumns().stream()
          .filter(c -> c.getEncodings().stream().anyMatch(org.apache.parquet.column.Encoding::usesDictionary))
          .map(c -> c.getPath().toDotString())
          .toList();
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
