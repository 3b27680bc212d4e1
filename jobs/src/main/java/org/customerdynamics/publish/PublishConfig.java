package org.customerdynamics.publish;

import org.customerdynamics.common.config.Defaults;

/** Serving database (PostgreSQL) settings. Keys under {@code publish.}; the password only from the environment variable named by {@code password-env}. */
public record PublishConfig(String jdbcUrl, String user, String passwordEnv, String schema, String biRole) {
  public PublishConfig {
    jdbcUrl = Defaults.or(jdbcUrl, "jdbc:postgresql://127.0.0.1:5432/cdx");
    user = Defaults.or(user, "cdx_writer");
    passwordEnv = Defaults.or(passwordEnv, "CDX_PG_PASSWORD");
    schema = Defaults.or(schema, "reporting");
    biRole = Defaults.or(biRole, "cdx_bi");
  }
}
