package org.customerdynamics.report;

import org.customerdynamics.cli.PendingCommand;
import picocli.CommandLine.Command;

/** {@code cdx report}. */
@Command(name = "report", mixinStandardHelpOptions = true, description = "Writes the reporting tables for the run date.")
public final class ReportCommand extends PendingCommand {}
