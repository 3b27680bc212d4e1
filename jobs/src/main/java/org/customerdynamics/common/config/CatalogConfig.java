package org.customerdynamics.common.config;

/**
 * The persistent table catalog (SPEC §6).
 *
 * @param type {@code derby}: embedded Hive metastore in {@code derby-dir} (default, local);
 *     {@code hive}: external metastore at {@code metastore-uris} (production)
 * @param derbyDir local directory of the embedded metastore (default {@code <lakehouse>/_catalog} for
 *     local lakehouses; must be set for an s3a:// lakehouse with the derby type)
 * @param metastoreUris thrift URIs of an external Hive metastore
 */
public record CatalogConfig(String type, String derbyDir, String metastoreUris) {
  public CatalogConfig {
    type = Defaults.or(type, "derby");
    Defaults.require(
        type.equals("derby") || type.equals("hive"), "catalog.type", "must be derby or hive");
    Defaults.require(
        !type.equals("hive") || (metastoreUris != null && !metastoreUris.isBlank()),
        "catalog.metastore-uris",
        "must be set when catalog.type is hive");
  }
}
