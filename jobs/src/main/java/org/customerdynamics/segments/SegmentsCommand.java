package org.customerdynamics.segments;

import org.customerdynamics.cli.PendingCommand;
import picocli.CommandLine.Command;

/** {@code cdx segments}. */
@Command(name = "segments", mixinStandardHelpOptions = true, description = "Lists segments and exports them for marketing.")
public final class SegmentsCommand extends PendingCommand {}
