package org.customerdynamics.journey;

import org.customerdynamics.cli.PendingCommand;
import picocli.CommandLine.Command;

/** {@code cdx journeys}. */
@Command(name = "journeys", mixinStandardHelpOptions = true, description = "Journeys: touchpoints, sessions, transitions, paths, attribution, customer 360.")
public final class JourneysCommand extends PendingCommand {}
