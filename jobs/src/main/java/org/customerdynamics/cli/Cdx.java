package org.customerdynamics.cli;

import java.io.PrintWriter;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.Commits;
import org.customerdynamics.demo.DemoCommand;
import org.customerdynamics.erase.EraseCommand;
import org.customerdynamics.generate.GenerateCommand;
import org.customerdynamics.identity.IdentityCommand;
import org.customerdynamics.ingest.IngestCommand;
import org.customerdynamics.journey.JourneysCommand;
import org.customerdynamics.maintain.MaintainCommand;
import org.customerdynamics.ml.FeaturesCommand;
import org.customerdynamics.ml.ScoreCommand;
import org.customerdynamics.ml.TrainCommand;
import org.customerdynamics.publish.PublishCommand;
import org.customerdynamics.refine.RefineCommand;
import org.customerdynamics.report.ReportCommand;
import org.customerdynamics.segments.SegmentsCommand;
import org.customerdynamics.social.SocialCommand;
import org.customerdynamics.sql.SqlCommand;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/**
 * The one entry point: {@code bin/cdx <subcommand>} locally, or this class as the main class given to
 * spark-submit. A failure prints one line (what, why, what to do) on stderr and exits non-zero.
 */
@Command(
    name = "cdx",
    mixinStandardHelpOptions = true,
    version = "customer-dynamics 0.1.0",
    description = "customer-dynamics: omnichannel interaction logs to a Delta lakehouse and insight.",
    subcommands = {
      GenerateCommand.class,
      IngestCommand.class,
      RefineCommand.class,
      IdentityCommand.class,
      JourneysCommand.class,
      SocialCommand.class,
      FeaturesCommand.class,
      TrainCommand.class,
      ScoreCommand.class,
      ReportCommand.class,
      PublishCommand.class,
      SegmentsCommand.class,
      EraseCommand.class,
      MaintainCommand.class,
      DemoCommand.class,
      SqlCommand.class
    })
public final class Cdx implements Runnable {
  @picocli.CommandLine.Spec CommandLine.Model.CommandSpec spec;

  @Override
  public void run() {
    throw new CommandLine.ParameterException(spec.commandLine(), "a subcommand is required");
  }

  public static void main(String[] args) {
    int code = execute(args);
    System.exit(code);
  }

  /** Runs the CLI and returns the exit code (used by main and by tests). */
  public static int execute(String... args) {
    return execute(new PrintWriter(System.out, true), new PrintWriter(System.err, true), args);
  }

  /** Runs the CLI with the given output streams and returns the exit code. */
  public static int execute(PrintWriter stdout, PrintWriter stderr, String... args) {
    CommandLine cli = new CommandLine(new Cdx());
    cli.setOut(stdout);
    cli.setErr(stderr);
    cli.setParameterExceptionHandler(
        (ex, argv) -> {
          PrintWriter err = ex.getCommandLine().getErr();
          // "cdx", "cdx sql", "cdx segments export": the command as typed, for nested subcommands too
          String name = ex.getCommandLine().getCommandSpec().qualifiedName();
          err.println(name + ": " + ex.getMessage().replace('\n', ' ').trim() + "; see '" + name + " --help'");
          err.flush();
          return 2;
        });
    cli.setExecutionExceptionHandler(
        (ex, commandLine, parseResult) -> {
          PrintWriter err = commandLine.getErr();
          String name = commandLine.getCommandSpec().qualifiedName();
          CdxException known = find(ex);
          if (known != null) {
            err.println(name + ": " + known.getMessage());
            err.flush();
            return known.exitCode();
          }
          if (!Commits.isConflict(ex)) {
            ex.printStackTrace(err);
          }
          err.println(failure(name, commandLine.getCommandName(), ex));
          err.flush();
          return 1;
        });
    return cli.execute(args);
  }

  /**
   * The one line for a failure that is not a {@link CdxException}: a Delta conflict with another
   * run (which every writing job can meet when two runs overlap) says so and what to do; anything
   * else names its root cause and points to the stack trace printed above it.
   */
  static String failure(String name, String command, Throwable ex) {
    Throwable root = ex;
    while (root.getCause() != null) {
      root = root.getCause();
    }
    if (Commits.isConflict(ex)) {
      return name + ": Cannot complete " + command + ": another run committed to the same Delta table first ("
          + root.getClass().getSimpleName() + ": " + firstLine(root.getMessage())
          + "); each table is at a whole commit, none half-written: rerun " + command
          + " for the same date (reruns are idempotent), after the other run if both write the same dates";
    }
    return name + ": Cannot complete " + command + ": " + root.getClass().getSimpleName() + ": "
        + firstLine(root.getMessage()) + "; the stack trace above has the details";
  }

  private static CdxException find(Throwable t) {
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof CdxException e) {
        return e;
      }
    }
    return null;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "(no message)";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
