package org.customerdynamics.generate;

import org.customerdynamics.cli.PendingCommand;
import picocli.CommandLine.Command;

/** {@code cdx generate}. */
@Command(name = "generate", mixinStandardHelpOptions = true, description = "Writes synthetic raw logs with ground truth.")
public final class GenerateCommand extends PendingCommand {}
