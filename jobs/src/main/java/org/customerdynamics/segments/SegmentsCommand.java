package org.customerdynamics.segments;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDate;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.cli.JobCommand;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.config.CdxConfig;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code cdx segments list|export} (docs/segments.md). */
@Command(
    name = "segments",
    mixinStandardHelpOptions = true,
    description = {
      "Lists the segments marketing can pull for a day and exports one (by name or rule) as CSV or",
      "Parquet, leaving out every person without marketing consent or who unsubscribed (docs/segments.md)."
    },
    subcommands = {SegmentsCommand.ListCommand.class, SegmentsCommand.ExportCommand.class})
public final class SegmentsCommand implements Runnable {
  @Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required: list or export");
  }

  /** {@code cdx segments list}. */
  @Command(
      name = "list",
      mixinStandardHelpOptions = true,
      description = "Prints the segments of the run date: name, rule, persons, customers, prospects, persons with consent.")
  public static final class ListCommand extends JobCommand {
    @Override
    protected void run(SparkSession spark, CdxConfig config, LocalDate runDate) {
      var summaries = new SegmentsJob(spark, config).list(runDate);
      spec.commandLine().getOut().print(SegmentsJob.format(runDate, summaries));
      spec.commandLine().getOut().flush();
    }
  }

  /** {@code cdx segments export}. */
  @Command(
      name = "export",
      mixinStandardHelpOptions = true,
      description = {
        "Writes the persons of one segment who may receive marketing (person_id, is_customer and, with",
        "segments.include-email-sha256, email_sha256) to a local path or s3a:// URI, atomically, and",
        "prints the counts: matched, excluded for consent, exported."
      })
  public static final class ExportCommand extends JobCommand {
    @Option(names = "--segment", paramLabel = "NAME", description = "A segment of `cdx segments list`.")
    String segment;

    @Option(
        names = "--rule",
        paramLabel = "PREDICATE",
        description = "A Spark SQL predicate over the segment columns, e.g. \"churn_band = 'high' AND 'web' IN channels\".")
    String rule;

    @Option(names = "--format", paramLabel = "csv|parquet", description = "Output format (default: ${DEFAULT-VALUE}).", defaultValue = "csv")
    String format;

    @Option(names = "--out", paramLabel = "PATH", required = true, description = "Output folder: a local path or an s3a:// URI.")
    String out;

    @Option(names = "--overwrite", description = "Replace an existing output folder.")
    boolean overwrite;

    @Override
    protected void validate(CdxConfig config) {
      if ((segment == null) == (rule == null)) {
        throw CdxException.usage("Cannot export: give exactly one of --segment NAME and --rule PREDICATE");
      }
      ExportOutput.Format.parse(format);
      if (rule != null) {
        SegmentRule.parse(rule);
      }
      if (!overwrite && !ExportOutput.onObjectStore(out) && !out.contains(":") && Files.exists(Path.of(out))) {
        throw ExportOutput.existing(out);
      }
      if (config.segments().includeEmailSha256()) {
        config.privacy().hashKey();
      }
    }

    @Override
    protected void run(SparkSession spark, CdxConfig config, LocalDate runDate) {
      SegmentsJob.ExportResult result =
          new SegmentsJob(spark, config).export(runDate, segment, rule, format, out, overwrite);
      spec.commandLine().getOut().println(result.describe(runDate));
      spec.commandLine().getOut().flush();
    }
  }
}
