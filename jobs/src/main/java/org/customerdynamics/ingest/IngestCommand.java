package org.customerdynamics.ingest;

import org.customerdynamics.cli.PendingCommand;
import picocli.CommandLine.Command;

/** {@code cdx ingest}. */
@Command(name = "ingest", mixinStandardHelpOptions = true, description = "Landing zone to bronze, with quarantine and a conservation ledger.")
public final class IngestCommand extends PendingCommand {}
