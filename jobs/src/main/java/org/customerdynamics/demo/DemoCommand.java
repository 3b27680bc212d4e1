package org.customerdynamics.demo;

import org.customerdynamics.cli.PendingCommand;
import picocli.CommandLine.Command;

/** {@code cdx demo}. */
@Command(name = "demo", mixinStandardHelpOptions = true, description = "Generates data and runs every job locally.")
public final class DemoCommand extends PendingCommand {}
