package org.customerdynamics.common.config;

/**
 * Pseudonymisation of identifiers (SPEC §8). The ad-platform SHA-256 of e-mail is made only at
 * export time, by {@code segments.include-email-sha256}.
 *
 * @param hashKeyEnv environment variable holding the secret key of the keyed hash (default
 *     {@code CDX_HASH_KEY}); the key itself never sits in a file
 * @param allowDevKey whether a fixed development key may be used when the variable is unset (default
 *     false; true only in the local environment)
 */
public record PrivacyConfig(String hashKeyEnv, Boolean allowDevKey) {
  public PrivacyConfig {
    hashKeyEnv = Defaults.or(hashKeyEnv, "CDX_HASH_KEY");
    allowDevKey = Defaults.or(allowDevKey, false);
  }

  /** The development key used only where {@code privacy.allow-dev-key} is true. */
  public static final String DEV_KEY = "customer-dynamics-local-development-key";

  /** The secret key: from the environment, or the development key where allowed. */
  public String hashKey() {
    String key = System.getenv(hashKeyEnv);
    if (key != null && !key.isBlank()) {
      return key;
    }
    if (allowDevKey) {
      return DEV_KEY;
    }
    throw new org.customerdynamics.common.CdxException(
        "Cannot pseudonymise identifiers: environment variable "
            + hashKeyEnv
            + " is not set; export the secret key (privacy.allow-dev-key is false in this environment)");
  }
}
