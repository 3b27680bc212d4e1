package org.customerdynamics.publish;

import java.util.List;
import org.customerdynamics.common.config.Defaults;

/**
 * The serving database (PostgreSQL) BI dashboards connect to. Keys under {@code publish.}; the
 * password only from the environment variable named by {@code password-env}, never from a file.
 *
 * @param jdbcUrl JDBC URL (default {@code jdbc:postgresql://127.0.0.1:5432/cdx}); {@code
 *     ${CDX_PG_URL}} style references are expanded from the environment
 * @param user the writer role (default {@code cdx_writer})
 * @param passwordEnv environment variable holding the writer's password (default {@code
 *     CDX_PG_PASSWORD})
 * @param schema schema the reporting tables are published to (default {@code reporting})
 * @param biRole read-only role granted SELECT on that schema and nothing else (default {@code cdx_bi})
 * @param tables reporting tables to publish (default: every table of the {@code reporting} database)
 * @param batchSize JDBC batch size (default 5000)
 */
public record PublishConfig(
    String jdbcUrl,
    String user,
    String passwordEnv,
    String schema,
    String biRole,
    List<String> tables,
    Integer batchSize) {
  public PublishConfig {
    jdbcUrl = Defaults.or(jdbcUrl, "jdbc:postgresql://127.0.0.1:5432/cdx");
    user = Defaults.or(user, "cdx_writer");
    passwordEnv = Defaults.or(passwordEnv, "CDX_PG_PASSWORD");
    schema = Defaults.or(schema, "reporting");
    biRole = Defaults.or(biRole, "cdx_bi");
    tables = Defaults.list(tables, List.of());
    batchSize = Defaults.or(batchSize, 5000);
    Defaults.require(schema.matches("[a-z_][a-z0-9_]*"), "publish.schema", "must be a plain lower-case identifier");
    Defaults.require(biRole.matches("[a-z_][a-z0-9_]*"), "publish.bi-role", "must be a plain lower-case identifier");
    Defaults.require(jdbcUrl.startsWith("jdbc:postgresql:"), "publish.jdbc-url", "must be a jdbc:postgresql: URL");
  }
}
