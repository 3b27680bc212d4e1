package org.customerdynamics.common.config;

/**
 * S3A settings. Credentials never sit here: S3A uses the standard AWS provider chain (environment
 * variables, profile, instance role).
 *
 * @param endpoint S3 endpoint (default: AWS); set for S3-compatible servers
 * @param pathStyleAccess path-style bucket addressing (default false; true for most S3-compatible
 *     servers)
 * @param region signing region (default us-east-1)
 * @param sslEnabled whether to use https (default true)
 */
public record S3Config(String endpoint, Boolean pathStyleAccess, String region, Boolean sslEnabled) {
  public S3Config {
    pathStyleAccess = Defaults.or(pathStyleAccess, false);
    region = Defaults.or(region, "us-east-1");
    sslEnabled = Defaults.or(sslEnabled, true);
  }
}
