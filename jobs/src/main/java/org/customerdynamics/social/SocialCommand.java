package org.customerdynamics.social;

import org.customerdynamics.cli.PendingCommand;
import picocli.CommandLine.Command;

/** {@code cdx social}. */
@Command(name = "social", mixinStandardHelpOptions = true, description = "Social graph: edges, influence (PageRank), communities, graph features.")
public final class SocialCommand extends PendingCommand {}
