package org.customerdynamics.refine;

import org.customerdynamics.cli.PendingCommand;
import picocli.CommandLine.Command;

/** {@code cdx refine}. */
@Command(name = "refine", mixinStandardHelpOptions = true, description = "Bronze to silver: dedup, normalise, pseudonymise, sessions.")
public final class RefineCommand extends PendingCommand {}
