package org.customerdynamics.social;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import org.customerdynamics.cli.Cdx;
import org.customerdynamics.testing.SparkTestBase;
import org.junit.jupiter.api.Test;

/** The thin shell: flags and usage errors, before any Spark work. */
class SocialCommandTest {
  private static final String CONF = SparkTestBase.projectDir().resolve("conf").toString();

  private static String[] run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Cdx.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new String[] {String.valueOf(code), out.toString(), err.toString()};
  }

  @Test
  void helpDescribesTheJobAndTheTruthFlag() {
    String[] result = run("social", "--help");
    assertThat(result[0]).isEqualTo("0");
    assertThat(result[1]).contains("Usage: cdx social").contains("--truth=DIR").contains("--run-date");
  }

  @Test
  void aBadRunDateIsAUsageErrorNamingTheValue() {
    String[] result = run("social", "--conf-dir", CONF, "--run-date", "31/01/2026");
    assertThat(result[0]).isEqualTo("2");
    assertThat(result[2].trim())
        .isEqualTo(
            "cdx social: Cannot parse --run-date '31/01/2026': not a date; use YYYY-MM-DD, e.g."
                + " 2026-01-31");
  }

  @Test
  void aBadSocialSettingIsRejectedBeforeSparkStarts() {
    String[] result = run("social", "--conf-dir", CONF, "--run-date", "2026-01-31", "--set", "social.damping=1.5");
    assertThat(result[0]).isEqualTo("2");
    assertThat(result[2]).contains("social.damping must be between 0 and 1");
  }
}
