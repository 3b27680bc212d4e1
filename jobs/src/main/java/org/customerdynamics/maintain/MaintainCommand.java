package org.customerdynamics.maintain;

import org.customerdynamics.cli.PendingCommand;
import picocli.CommandLine.Command;

/** {@code cdx maintain}. */
@Command(name = "maintain", mixinStandardHelpOptions = true, description = "OPTIMIZE and VACUUM the lakehouse tables.")
public final class MaintainCommand extends PendingCommand {}
