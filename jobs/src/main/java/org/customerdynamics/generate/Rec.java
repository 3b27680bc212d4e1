package org.customerdynamics.generate;

import java.util.ArrayList;
import java.util.List;

/**
 * One raw record as ordered (path, value) pairs; rendered as a JSON line (dotted paths become nested
 * objects) or as a CSV row. Values are String, Number, Boolean or null.
 */
final class Rec {
  final List<String> keys = new ArrayList<>(16);
  final List<Object> values = new ArrayList<>(16);

  Rec put(String key, Object value) {
    int i = keys.indexOf(key);
    if (i >= 0) {
      values.set(i, value);
    } else {
      keys.add(key);
      values.add(value);
    }
    return this;
  }

  Object get(String key) {
    int i = keys.indexOf(key);
    return i < 0 ? null : values.get(i);
  }

  void remove(String key) {
    int i = keys.indexOf(key);
    if (i >= 0) {
      keys.remove(i);
      values.remove(i);
    }
  }

  /**
   * JSON with up to two levels of nesting; null values are omitted, as most SDKs do. Dotted paths
   * with the same parent form one object at the parent's first position, even when other keys were
   * put between them (a JSON object with a repeated key is not what a vendor would send).
   */
  String json() {
    StringBuilder sb = new StringBuilder(256).append('{');
    boolean first = true;
    boolean[] done = new boolean[keys.size()];
    for (int i = 0; i < keys.size(); i++) {
      if (done[i]) {
        continue;
      }
      String k = keys.get(i);
      int dot = k.indexOf('.');
      if (dot < 0) {
        if (values.get(i) != null) {
          first = sep(sb, first);
          str(sb, k);
          sb.append(':');
          value(sb, values.get(i));
        }
        continue;
      }
      String prefix = k.substring(0, dot + 1);
      StringBuilder inner = new StringBuilder();
      boolean innerFirst = true;
      for (int j = i; j < keys.size(); j++) {
        if (!done[j] && keys.get(j).startsWith(prefix)) {
          done[j] = true;
          if (values.get(j) != null) {
            innerFirst = sep(inner, innerFirst);
            str(inner, keys.get(j).substring(prefix.length()));
            inner.append(':');
            value(inner, values.get(j));
          }
        }
      }
      first = sep(sb, first);
      str(sb, k.substring(0, dot));
      sb.append(":{").append(inner).append('}');
    }
    return sb.append('}').toString();
  }

  /** CSV row in the order of {@code columns}; fields quoted where needed (RFC 4180). */
  String csv(String[] columns) {
    StringBuilder sb = new StringBuilder(200);
    for (int c = 0; c < columns.length; c++) {
      if (c > 0) {
        sb.append(',');
      }
      Object v = get(columns[c]);
      if (v == null) {
        continue;
      }
      String s = v.toString();
      if (s.indexOf(',') >= 0 || s.indexOf('"') >= 0 || s.indexOf('\n') >= 0) {
        sb.append('"').append(s.replace("\"", "\"\"")).append('"');
      } else {
        sb.append(s);
      }
    }
    return sb.toString();
  }

  private static boolean sep(StringBuilder sb, boolean first) {
    if (!first) {
      sb.append(',');
    }
    return false;
  }

  private static void value(StringBuilder sb, Object v) {
    if (v instanceof String s) {
      str(sb, s);
    } else if (v instanceof Double d) {
      sb.append(java.math.BigDecimal.valueOf(d).toPlainString());
    } else {
      sb.append(v);
    }
  }

  private static void str(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (ch < 0x20) {
            sb.append(String.format("\\u%04x", (int) ch));
          } else {
            sb.append(ch);
          }
        }
      }
    }
    sb.append('"');
  }
}
