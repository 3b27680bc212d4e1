package org.customerdynamics.cli;

import java.util.ArrayList;
import java.util.List;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.common.config.ConfigLoader;
import picocli.CommandLine.Option;

/** Flags every job takes (SPEC §4). */
public final class CommonOptions {
  @Option(
      names = "--run-date",
      paramLabel = "YYYY-MM-DD",
      description = "The date to process (the Airflow logical date). Jobs never read the clock.")
  public String runDate;

  @Option(
      names = "--env",
      paramLabel = "ENV",
      description = "Selects conf/env/<ENV>.yaml (default: ${DEFAULT-VALUE}).",
      defaultValue = "${env:CDX_ENV:-local}")
  public String env;

  @Option(
      names = "--conf-dir",
      paramLabel = "DIR",
      description = "Configuration folder (default: ${DEFAULT-VALUE}).",
      defaultValue = "${env:CDX_CONF_DIR:-conf}")
  public String confDir;

  @Option(
      names = "--set",
      paramLabel = "KEY=VALUE",
      description =
          "Overrides one config key, e.g. --set ingest.max-quarantine-share=0.05 (repeatable)."
              + " Precedence: --set > env file > defaults.")
  public List<String> overrides = new ArrayList<>();

  public CdxConfig config() {
    return ConfigLoader.load(confDir, env, overrides);
  }
}
