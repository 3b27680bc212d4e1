package org.customerdynamics.sql;

import java.time.LocalDate;
import org.apache.spark.sql.AnalysisException;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.cli.JobCommand;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.config.CdxConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cdx sql "<query>"}: runs Spark SQL against the lakehouse catalog and prints the result. */
@Command(
    name = "sql",
    mixinStandardHelpOptions = true,
    description = "Runs Spark SQL against the lakehouse catalog and prints the result.")
public final class SqlCommand extends JobCommand {
  @Parameters(index = "0", paramLabel = "QUERY", description = "e.g. \"SHOW TABLES IN reporting\"")
  String query;

  @Option(names = "--limit", description = "Rows to print (default: ${DEFAULT-VALUE}).", defaultValue = "100")
  int limit;

  @Override
  protected boolean needsRunDate() {
    return false;
  }

  @Override
  protected void run(SparkSession spark, CdxConfig config, LocalDate runDate) {
    Dataset<Row> result;
    try {
      result = spark.sql(query);
    } catch (Exception e) {
      if (e instanceof AnalysisException || e.getClass().getName().contains("ParseException")) {
        throw new CdxException("Cannot run query: " + e.getMessage().split("\n")[0], null, 2);
      }
      throw e;
    }
    result.show(limit, false);
  }
}
