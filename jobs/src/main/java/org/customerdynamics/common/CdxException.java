package org.customerdynamics.common;

/**
 * A failure the operator can act on. The message reads "Cannot &lt;do X&gt;: &lt;reason&gt;[; &lt;what to
 * do&gt;]" and is printed as the single line of a failed run.
 */
public class CdxException extends RuntimeException {
  private final int exitCode;

  public CdxException(String message) {
    this(message, null, 1);
  }

  public CdxException(String message, Throwable cause) {
    this(message, cause, 1);
  }

  public CdxException(String message, Throwable cause, int exitCode) {
    super(message, cause);
    this.exitCode = exitCode;
  }

  /** 2 for bad usage or configuration, 1 for a failed run. */
  public int exitCode() {
    return exitCode;
  }

  public static CdxException usage(String message) {
    return new CdxException(message, null, 2);
  }
}
