package org.customerdynamics.common;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.customerdynamics.common.config.CdxConfig;
import org.customerdynamics.common.config.ConfigLoader;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ConfigLoaderTest {
  @TempDir Path dir;

  private Path conf(String yaml) throws Exception {
    Files.createDirectories(dir.resolve("env"));
    Files.writeString(dir.resolve("env/test.yaml"), yaml);
    return dir;
  }

  @Test
  void defaultsApplyWhereTheFileIsSilent() throws Exception {
    CdxConfig c = ConfigLoader.load(conf("lakehouse: /data/lh\n").toString(), "test", List.of());
    assertThat(c.lakehouse()).isEqualTo("/data/lh");
    assertThat(c.refine().sessionGapMinutes()).isEqualTo(30);
    assertThat(c.spark().master()).isEqualTo("local[*]");
    assertThat(c.checkpointDir()).isEqualTo("/data/lh/_checkpoints");
    assertThat(c.catalog().derbyDir()).isEqualTo("/data/lh/_catalog");
  }

  @Test
  void setOverridesTheEnvFileWhichOverridesDefaults() throws Exception {
    Path d = conf("refine:\n  session-gap-minutes: 45\nspark:\n  shuffle-partitions: 3\n");
    CdxConfig c =
        ConfigLoader.load(d.toString(), "test", List.of("refine.session-gap-minutes=10"));
    assertThat(c.refine().sessionGapMinutes()).isEqualTo(10);
    assertThat(c.spark().shufflePartitions()).isEqualTo(3);
    assertThat(c.identity().maxLinksPerIdentifier()).isEqualTo(25);
  }

  @Test
  void unknownKeyIsRejectedWithItsDottedName() throws Exception {
    Path d = conf("refine:\n  session-gap-minuts: 45\n");
    assertThatThrownBy(() -> ConfigLoader.load(d.toString(), "test", List.of()))
        .isInstanceOf(CdxException.class)
        .hasMessageContaining("unknown key 'refine.session-gap-minuts'");
  }

  @Test
  void unknownKeyFromSetIsRejectedToo() throws Exception {
    Path d = conf("{}\n");
    assertThatThrownBy(() -> ConfigLoader.load(d.toString(), "test", List.of("no-such.key=1")))
        .isInstanceOf(CdxException.class)
        .hasMessageContaining("unknown key 'no-such'");
  }

  @Test
  void badValueNamesTheKey() throws Exception {
    Path d = conf("refine:\n  session-gap-minutes: soon\n");
    assertThatThrownBy(() -> ConfigLoader.load(d.toString(), "test", List.of()))
        .isInstanceOf(CdxException.class)
        .hasMessageContaining("refine.session-gap-minutes");
  }

  @Test
  void ruleViolationNamesTheKey() throws Exception {
    Path d = conf("ingest:\n  max-quarantine-share: 3\n");
    assertThatThrownBy(() -> ConfigLoader.load(d.toString(), "test", List.of()))
        .isInstanceOf(CdxException.class)
        .hasMessageContaining("ingest.max-quarantine-share must be between 0 and 1");
  }

  @Test
  void missingEnvFileListsTheAvailableOnes() throws Exception {
    Path d = conf("{}\n");
    assertThatThrownBy(() -> ConfigLoader.load(d.toString(), "nope", List.of()))
        .isInstanceOf(CdxException.class)
        .hasMessageContaining("env/nope.yaml does not exist")
        .hasMessageContaining("available environments: test");
  }

  @Test
  void environmentReferencesExpandWithDefaults() {
    assertThat(ConfigLoader.class).isNotNull();
    assertThat(
            org.customerdynamics.common.config.ConfigLoaderAccess.expand(
                "s3a://${B:-fallback}/lh", Map.of()))
        .isEqualTo("s3a://fallback/lh");
    assertThat(
            org.customerdynamics.common.config.ConfigLoaderAccess.expand(
                "s3a://${B:-fallback}/lh", Map.of("B", "bucket")))
        .isEqualTo("s3a://bucket/lh");
    assertThatThrownBy(
            () -> org.customerdynamics.common.config.ConfigLoaderAccess.expand("${MISSING}", Map.of()))
        .hasMessageContaining("environment variable MISSING");
  }

  @Test
  void shippedEnvironmentsLoad() {
    String confDir = org.customerdynamics.testing.SparkTestBase.projectDir().resolve("conf").toString();
    CdxConfig local = ConfigLoader.load(confDir, "local", List.of());
    assertThat(local.privacy().allowDevKey()).isTrue();
    CdxConfig prod = ConfigLoader.load(confDir, "prod", List.of());
    assertThat(prod.lakehouse()).startsWith("s3a://");
    assertThat(prod.privacy().allowDevKey()).isFalse();
    assertThat(prod.catalog().type()).isEqualTo("hive");
  }
}
