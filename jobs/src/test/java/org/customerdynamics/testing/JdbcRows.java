package org.customerdynamics.testing;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;

/** A query's rows as {@code a|b|c} strings in the order the database returns them (for comparing tables). */
public final class JdbcRows {
  private JdbcRows() {}

  public static List<String> of(Statement statement, String sql) throws SQLException {
    List<String> out = new ArrayList<>();
    try (ResultSet rs = statement.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        StringBuilder sb = new StringBuilder();
        for (int i = 1; i <= n; i++) {
          sb.append(i > 1 ? "|" : "").append(rs.getString(i));
        }
        out.add(sb.toString());
      }
    }
    return out;
  }
}
