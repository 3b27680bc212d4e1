package org.customerdynamics.ml;

import org.customerdynamics.cli.PendingCommand;
import picocli.CommandLine.Command;

/** {@code cdx features}. */
@Command(name = "features", mixinStandardHelpOptions = true, description = "Point-in-time feature snapshots per person.")
public final class FeaturesCommand extends PendingCommand {}
