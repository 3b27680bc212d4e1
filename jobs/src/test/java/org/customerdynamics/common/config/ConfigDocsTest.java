package org.customerdynamics.common.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;

class ConfigDocsTest {
  @Test
  void configurationReferenceListsEveryKeyWithItsDefault() throws Exception {
    Path doc = SparkTestBase.projectDir().resolve("docs/configuration.md");
    String rendered = ConfigDocs.render();
    assertThat(rendered).contains("| `identity.max-links-per-identifier` | `25` |");
    assertThat(Files.readString(doc))
        .as("docs/configuration.md is out of date: regenerate it with bin/cdx-config-docs > docs/configuration.md")
        .isEqualTo(rendered);
  }
}
