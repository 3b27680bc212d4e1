package org.customerdynamics.testing;

import static org.assertj.core.api.Assumptions.assumeThat;

/**
 * Real servers the tests use (PostgreSQL, the S3-compatible server), started by bin/test. When
 * CDX_REQUIRE_SERVICES=1 (bin/test, CI) a missing server fails the test; elsewhere it is skipped.
 */
public final class Services {
  private Services() {}

  /** The value of an environment variable a server test needs. */
  public static String require(String variable) {
    String value = System.getenv(variable);
    if ("1".equals(System.getenv("CDX_REQUIRE_SERVICES"))) {
      if (value == null || value.isEmpty()) {
        throw new IllegalStateException(
            variable + " is not set although CDX_REQUIRE_SERVICES=1: bin/test should have started the server");
      }
    } else {
      assumeThat(value).as(variable + " (start the server: eval \"$(bin/postgres env)\")").isNotBlank();
    }
    return value;
  }
}
