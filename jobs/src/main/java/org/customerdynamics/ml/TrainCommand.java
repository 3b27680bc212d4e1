package org.customerdynamics.ml;

import org.customerdynamics.cli.PendingCommand;
import picocli.CommandLine.Command;

/** {@code cdx train}. */
@Command(name = "train", mixinStandardHelpOptions = true, description = "Trains a model (churn, loyalty, segments, sentiment) and records it in the registry.")
public final class TrainCommand extends PendingCommand {}
