package org.customerdynamics.cli;

import java.util.concurrent.Callable;
import org.customerdynamics.common.CdxException;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** A job whose issue has not landed yet: it says so and exits non-zero. */
public abstract class PendingCommand implements Callable<Integer> {
  @Mixin public CommonOptions common;

  @Spec public CommandSpec spec;

  @Override
  public Integer call() {
    throw new CdxException(
        "Cannot run "
            + spec.name()
            + ": not yet available in this version; see the project's issues for its status");
  }
}
