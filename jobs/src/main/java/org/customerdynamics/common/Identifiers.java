package org.customerdynamics.common;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.api.java.UDF1;
import org.apache.spark.sql.api.java.UDF2;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.DataTypes;

/**
 * Identifier normalisation and pseudonymisation, shared by refine (silver), identity quality scoring
 * and erasure so that the same raw value always gives the same key.
 *
 * <p>Types and their short prefixes: {@code cu} customer id, {@code an} anonymous (cookie) id, {@code
 * de} device id, {@code em} e-mail, {@code ph} phone, {@code lo} loyalty id, {@code so} social handle.
 * A key is {@code HMAC-SHA256(secret, type + ":" + normalised value)} in hex, truncated to 32
 * characters; the secret never enters a Spark plan (it is held by the UDF instance).
 */
public final class Identifiers {
  public static final List<String> TYPES = List.of("cu", "an", "de", "em", "ph", "lo", "so");

  /** Name of the Spark SQL function {@code cdx_key(type, raw_value)} registered by {@link #register}. */
  public static final String KEY_FUNCTION = "cdx_key";

  /**
   * Name of the Spark SQL function {@code cdx_email_sha256(raw_email)} registered by {@link
   * #registerEmailSha256}.
   */
  public static final String EMAIL_SHA256_FUNCTION = "cdx_email_sha256";

  private Identifiers() {}

  /** Normalises a raw identifier of a type; null when nothing usable remains. */
  public static String normalise(String type, String raw, String defaultCountryCode) {
    if (raw == null) {
      return null;
    }
    // NFC: an address typed with a combining accent (e + U+0308) is the same address as with ë.
    String v = java.text.Normalizer.normalize(raw.strip(), java.text.Normalizer.Form.NFC);
    if (v.isEmpty()) {
      return null;
    }
    return switch (type) {
      case "em" -> normaliseEmail(v);
      case "ph" -> normalisePhone(v, defaultCountryCode);
      case "so" -> v.startsWith("@") ? v.substring(1).toLowerCase(Locale.ROOT) : v.toLowerCase(Locale.ROOT);
      case "cu", "lo" -> v.toUpperCase(Locale.ROOT);
      default -> v.toLowerCase(Locale.ROOT);
    };
  }

  /**
   * Lower case; for Gmail (and googlemail.com) dots and {@code +tags} in the local part are dropped,
   * as Gmail ignores them; other providers keep dots but drop {@code +tags}.
   */
  public static String normaliseEmail(String raw) {
    String v = raw.strip().toLowerCase(Locale.ROOT);
    int at = v.lastIndexOf('@');
    if (at <= 0 || at == v.length() - 1) {
      return null;
    }
    String local = v.substring(0, at);
    String domain = v.substring(at + 1);
    int plus = local.indexOf('+');
    if (plus > 0) {
      local = local.substring(0, plus);
    }
    if (domain.equals("googlemail.com")) {
      domain = "gmail.com";
    }
    if (domain.equals("gmail.com")) {
      local = local.replace(".", "");
    }
    return local + "@" + domain;
  }

  /**
   * E.164: {@code +} and digits. A leading {@code +} or {@code 00} marks an international number; a
   * national number gets {@code defaultCountryCode} (a national trunk {@code 0} is dropped). Null when
   * fewer than 7 digits remain.
   */
  public static String normalisePhone(String raw, String defaultCountryCode) {
    String v = raw.strip();
    boolean international = v.startsWith("+") || v.startsWith("00");
    String digits = v.replaceAll("[^0-9]", "");
    if (v.startsWith("00")) {
      digits = digits.substring(2);
    }
    if (!international) {
      if (digits.startsWith("0")) {
        digits = defaultCountryCode + digits.substring(1);
      } else if (!(defaultCountryCode.equals("1") && digits.length() == 11 && digits.startsWith("1"))) {
        digits = defaultCountryCode + digits;
      }
    }
    if (digits.length() < 7 || digits.length() > 15) {
      return null;
    }
    return "+" + digits;
  }

  /** The keyed pseudonym of a raw identifier, or null when the value normalises to nothing. */
  public static String key(String secret, String type, String raw, String defaultCountryCode) {
    String n = normalise(type, raw, defaultCountryCode);
    return n == null ? null : hmac(secret, type + ":" + n);
  }

  /** Normalised SHA-256 of an e-mail, the form ad platforms match audiences on. */
  public static String emailSha256(String raw) {
    String n = raw == null ? null : normaliseEmail(raw);
    if (n == null) {
      return null;
    }
    try {
      return HexFormat.of()
          .formatHex(MessageDigest.getInstance("SHA-256").digest(n.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /**
   * The keyed hash an erasure record holds for a person id or identifier node: {@code
   * HMAC-SHA256(secret, "erasure:" + value)}, 32 hex characters. It differs from every identifier key
   * (whose message starts with the identifier type), so the record proves which subject was erased
   * without holding a value that finds them in any other table.
   */
  public static String erasureHash(String secret, String value) {
    return hmac(secret, "erasure:" + value);
  }

  static String hmac(String secret, String message) {
    KeyedMac keyed = MACS.get();
    if (keyed == null || !keyed.secret().equals(secret)) {
      keyed = new KeyedMac(secret, newMac(secret));
      MACS.set(keyed);
    }
    // doFinal resets the Mac to its key, ready for the next message.
    byte[] out = keyed.mac().doFinal(message.getBytes(StandardCharsets.UTF_8));
    return HexFormat.of().formatHex(out, 0, 16);
  }

  /**
   * One keyed Mac per thread: looking the algorithm up and keying it cost about twice the hash of a
   * short identifier, and refine keys every identifier of every event. A Mac is not thread-safe.
   */
  private static final ThreadLocal<KeyedMac> MACS = new ThreadLocal<>();

  private record KeyedMac(String secret, Mac mac) {
    @Override
    public String toString() {
      return "KeyedMac[HmacSHA256]"; // never the secret
    }
  }

  private static Mac newMac(String secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret.getBytes(StandardCharsets.UTF_8), "HmacSHA256"));
      return mac;
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException("Cannot compute HMAC-SHA256", e);
    }
  }

  /** The UDF behind {@code cdx_key}; it holds the secret, so the secret never appears in a plan. */
  static final class KeyFunction implements UDF2<String, String, String> {
    private final String secret;
    private final String defaultCountryCode;

    KeyFunction(String secret, String defaultCountryCode) {
      this.secret = secret;
      this.defaultCountryCode = defaultCountryCode;
    }

    @Override
    public String call(String type, String raw) {
      return key(secret, type, raw, defaultCountryCode);
    }

    @Override
    public String toString() {
      return "cdx_key";
    }
  }

  /** Registers {@code cdx_key(type, raw)} in the session. */
  public static void register(SparkSession spark, String secret, String defaultCountryCode) {
    spark.udf().register(KEY_FUNCTION, new KeyFunction(secret, defaultCountryCode), DataTypes.StringType);
  }

  /** Registers {@code cdx_email_sha256(raw)}: {@link #emailSha256} (no secret involved). */
  public static void registerEmailSha256(SparkSession spark) {
    spark.udf().register(EMAIL_SHA256_FUNCTION, (UDF1<String, String>) Identifiers::emailSha256, DataTypes.StringType);
  }

  /** {@code cdx_key(type, raw)} as a column; {@link #register} must have been called. */
  public static Column keyColumn(String type, Column raw) {
    return functions.call_udf(KEY_FUNCTION, functions.lit(type), raw);
  }
}
