package org.customerdynamics.erase;

import org.customerdynamics.cli.PendingCommand;
import picocli.CommandLine.Command;

/** {@code cdx erase}. */
@Command(name = "erase", mixinStandardHelpOptions = true, description = "Removes a person from every table.")
public final class EraseCommand extends PendingCommand {}
