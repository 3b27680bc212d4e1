package org.customerdynamics.ingest;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;

/** The canonical interaction (SPEC §5) as bronze holds it: field names and types. */
public final class Canonical {
  private Canonical() {}

  /** Canonical fields a mapping may compute, in bronze column order, with their types. */
  public static final Map<String, DataType> FIELDS = fields();

  /** Identifier fields holding raw personal data (bronze only). */
  public static final List<String> IDENTIFIERS =
      List.of(
          "customer_id",
          "anonymous_id",
          "device_id",
          "email",
          "phone",
          "loyalty_id",
          "social_handle",
          "counterpart_customer_id",
          "counterpart_email",
          "counterpart_social_handle");

  /** Channels of SPEC §5. */
  public static final List<String> CHANNELS =
      List.of(
          "web", "mobile_app", "store", "kiosk", "call_center", "email", "social", "chat", "iot");

  /** Event types of SPEC §5 plus the account events the sources report. */
  public static final List<String> EVENT_TYPES =
      List.of(
          "page_view",
          "product_view",
          "search",
          "add_to_cart",
          "purchase",
          "return",
          "support_contact",
          "complaint",
          "feedback",
          "review",
          "survey",
          "loyalty_enroll",
          "points_earned",
          "points_redeemed",
          "social_post",
          "mention",
          "reply",
          "share",
          "referral",
          "follow",
          "email_open",
          "email_click",
          "unsubscribe",
          "consent_change",
          "device_event",
          "subscription_cancel",
          "signup",
          "login",
          "app_open");

  private static Map<String, DataType> fields() {
    Map<String, DataType> f = new LinkedHashMap<>();
    f.put("event_id", DataTypes.StringType);
    f.put("event_time", DataTypes.TimestampType);
    f.put("channel", DataTypes.StringType);
    f.put("event_type", DataTypes.StringType);
    f.put("customer_id", DataTypes.StringType);
    f.put("anonymous_id", DataTypes.StringType);
    f.put("device_id", DataTypes.StringType);
    f.put("email", DataTypes.StringType);
    f.put("phone", DataTypes.StringType);
    f.put("loyalty_id", DataTypes.StringType);
    f.put("social_handle", DataTypes.StringType);
    f.put("counterpart_customer_id", DataTypes.StringType);
    f.put("counterpart_email", DataTypes.StringType);
    f.put("counterpart_social_handle", DataTypes.StringType);
    f.put("product_id", DataTypes.StringType);
    f.put("category", DataTypes.StringType);
    f.put("amount", DataTypes.DoubleType);
    f.put("currency", DataTypes.StringType);
    f.put("text", DataTypes.StringType);
    f.put("rating", DataTypes.IntegerType);
    f.put("agent_id", DataTypes.StringType);
    return java.util.Collections.unmodifiableMap(f);
  }
}
