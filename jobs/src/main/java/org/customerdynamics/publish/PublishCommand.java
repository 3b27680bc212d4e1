package org.customerdynamics.publish;

import org.customerdynamics.cli.PendingCommand;
import picocli.CommandLine.Command;

/** {@code cdx publish}. */
@Command(name = "publish", mixinStandardHelpOptions = true, description = "Copies the reporting tables into the serving database (PostgreSQL).")
public final class PublishCommand extends PendingCommand {}
