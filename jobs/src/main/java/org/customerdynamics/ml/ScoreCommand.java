package org.customerdynamics.ml;

import org.customerdynamics.cli.PendingCommand;
import picocli.CommandLine.Command;

/** {@code cdx score}. */
@Command(name = "score", mixinStandardHelpOptions = true, description = "Applies the champion models to the run date's snapshot.")
public final class ScoreCommand extends PendingCommand {}
