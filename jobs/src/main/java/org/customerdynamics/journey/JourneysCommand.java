package org.customerdynamics.journey;

import java.time.LocalDate;
import org.apache.spark.sql.SparkSession;
import org.customerdynamics.cli.JobCommand;
import org.customerdynamics.common.config.CdxConfig;
import picocli.CommandLine.Command;

/** {@code cdx journeys --run-date D}. */
@Command(
    name = "journeys",
    mixinStandardHelpOptions = true,
    description = {
      "Journeys: touchpoints, sessions, transitions, paths, attribution, customer 360.",
      "Tables: gold.journey_sessions, gold.channel_transitions, gold.journey_paths, gold.attribution,"
          + " gold.journey_conversions, gold.journey_handoffs, gold.support_journeys,"
          + " gold.person_profile."
    })
public final class JourneysCommand extends JobCommand {
  @Override
  protected void run(SparkSession spark, CdxConfig config, LocalDate runDate) {
    JourneyJob.Result r = new JourneyJob(spark, config).run(runDate);
    var out = spec.commandLine().getOut();
    out.printf(
        "journeys %s: %d sessions, %d conversions, %d person profiles%n",
        runDate, r.sessions(), r.conversions(), r.persons());
    out.flush();
  }
}
