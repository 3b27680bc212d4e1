package org.customerdynamics.ingest;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.cli.JobCommand;
import org.customerdynamics.common.RunDates;
import org.customerdynamics.common.config.CdxConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code cdx ingest}: the thin shell over {@link IngestJob}. */
@Command(
    name = "ingest",
    mixinStandardHelpOptions = true,
    description = {
      "Landing zone to bronze, with quarantine and a conservation ledger.",
      "Reads <landing>/<source>/<run-date>/ of every source with a mapping in conf/sources/,",
      "writes bronze.interactions, bronze.quarantine and bronze.ingest_ledger. Rerunning a date",
      "gives the same tables."
    })
public final class IngestCommand extends JobCommand {
  @Option(
      names = "--from-date",
      paramLabel = "YYYY-MM-DD",
      description = "Also ingest every landing date from this one up to --run-date (a backfill).")
  String fromDate;

  @Option(
      names = "--source",
      paramLabel = "NAME",
      split = ",",
      description = "Only these sources (default: ingest.sources, or every mapping).")
  List<String> sources = new ArrayList<>();

  @Option(
      names = "--replay-quarantine",
      description =
          "Re-process the quarantined records of the date(s) with the current mappings (after a mapping fix)"
              + " instead of reading the landing zone.")
  boolean replay;

  private LocalDate from;

  @Override
  protected void validate(CdxConfig config) {
    LocalDate to = RunDates.parse(common.runDate);
    from = fromDate == null ? to : RunDates.parse(fromDate);
    IngestJob.dates(from, to);
    SourceMappings.load(config.confDir(), sources.isEmpty() ? config.ingest().sources() : sources);
  }

  @Override
  protected void run(SparkSession spark, CdxConfig config, LocalDate runDate) {
    IngestJob job = new IngestJob(spark, config);
    if (replay) {
      var summary = job.replay(from, runDate, sources);
      spec.commandLine().getOut().println("replayed quarantine " + from + ".." + runDate + ": " + summary);
      return;
    }
    var report = job.run(from, runDate, sources);
    long lines = 0;
    long bronze = 0;
    long quarantined = 0;
    long duplicates = 0;
    for (var r : report) {
      lines += r.lines();
      bronze += r.bronze();
      quarantined += r.quarantined();
      duplicates += r.duplicates();
    }
    spec.commandLine()
        .getOut()
        .printf(
            "ingested %s..%s: %,d lines = %,d bronze + %,d quarantined + %,d duplicates (%d source-days)%n",
            from, runDate, lines, bronze, quarantined, duplicates, report.size());
  }
}
