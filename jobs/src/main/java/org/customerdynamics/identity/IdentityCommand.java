package org.customerdynamics.identity;

import org.customerdynamics.cli.PendingCommand;
import picocli.CommandLine.Command;

/** {@code cdx identity}. */
@Command(name = "identity", mixinStandardHelpOptions = true, description = "Resolves identifiers to one stable person_id.")
public final class IdentityCommand extends PendingCommand {}
