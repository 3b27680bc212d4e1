package org.customerdynamics.common.config;

import java.util.Map;

/** Test access to package-private loader helpers. */
public final class ConfigLoaderAccess {
  private ConfigLoaderAccess() {}

  public static String expand(String text, Map<String, String> env) {
    return ConfigLoader.expand(text, "key", env);
  }
}
