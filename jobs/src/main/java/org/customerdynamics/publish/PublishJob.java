package org.customerdynamics.publish;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Properties;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.MapType;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;
import org.customerdynamics.common.CdxException;
import org.customerdynamics.common.FaultPoints;
import org.customerdynamics.common.Lakehouse;
import org.customerdynamics.common.config.CdxConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the reporting tables into PostgreSQL, atomically per table: each table is loaded into a
 * staging table, then swapped in one transaction (drop old, rename staging, grant), so a dashboard
 * sees the old or the new version, never a mix. The BI role gets USAGE on the reporting schema and
 * SELECT on its tables, nothing else. Every publish is logged in {@code cdx_meta.publish_log}.
 */
public final class PublishJob {
  private static final Logger LOG = LoggerFactory.getLogger(PublishJob.class);

  private final SparkSession spark;
  private final CdxConfig config;
  private final Lakehouse lakehouse;

  public PublishJob(SparkSession spark, CdxConfig config) {
    this.spark = spark;
    this.config = config;
    this.lakehouse = new Lakehouse(spark, config);
  }

  /** Published tables with their row counts. */
  public record Published(String table, long rows, long deltaVersion) {}

  public List<Published> run(LocalDate runDate) {
    PublishConfig pc = config.publish();
    String password = password(pc);
    List<String> tables = tables(pc);
    if (tables.isEmpty()) {
      throw new CdxException(
          "Cannot publish: the lakehouse has no reporting tables; run `cdx report --run-date " + runDate + "` first");
    }
    List<Published> out = new ArrayList<>();
    try (Connection c = connect(pc, password)) {
      prepareSchema(c, pc);
      for (String table : tables) {
        out.add(publish(c, pc, password, table, runDate));
      }
    } catch (SQLException e) {
      throw new CdxException(
          "Cannot publish to " + pc.jdbcUrl() + ": " + e.getMessage().split("\n")[0]
              + "; check that the serving database is up and " + pc.user() + " may create tables there", e);
    }
    for (Published p : out) {
      System.out.printf("publish %s: %s.%s %,d rows (lakehouse version %d)%n", runDate, pc.schema(), p.table(), p.rows(), p.deltaVersion());
    }
    return out;
  }

  private static String password(PublishConfig pc) {
    String pw = System.getenv(pc.passwordEnv());
    if (pw == null || pw.isEmpty()) {
      throw new CdxException(
          "Cannot publish: environment variable " + pc.passwordEnv()
              + " (the serving database password) is not set; export it (bin/postgres env prints it for the local server)");
    }
    return pw;
  }

  private List<String> tables(PublishConfig pc) {
    List<String> names = new ArrayList<>();
    if (!pc.tables().isEmpty()) {
      names.addAll(pc.tables());
    } else {
      for (String t : lakehouse.tables("reporting")) {
        names.add(t.substring("reporting.".length()));
      }
    }
    names.sort(String::compareTo);
    for (String n : names) {
      if (!n.matches("[a-z_][a-z0-9_]*")) {
        throw new CdxException("Cannot publish reporting." + n + ": not a plain lower-case table name");
      }
      if (!lakehouse.exists("reporting." + n)) {
        throw new CdxException("Cannot publish reporting." + n + ": no Delta table at " + lakehouse.path("reporting." + n) + "; run `cdx report` first");
      }
    }
    return names;
  }

  private Connection connect(PublishConfig pc, String password) throws SQLException {
    Properties props = new Properties();
    props.setProperty("user", pc.user());
    props.setProperty("password", password);
    return DriverManager.getConnection(pc.jdbcUrl(), props);
  }

  private static void prepareSchema(Connection c, PublishConfig pc) throws SQLException {
    try (Statement s = c.createStatement()) {
      s.execute("CREATE SCHEMA IF NOT EXISTS " + pc.schema());
      s.execute("CREATE SCHEMA IF NOT EXISTS cdx_meta");
      s.execute(
          "CREATE TABLE IF NOT EXISTS cdx_meta.publish_log (run_date date NOT NULL, table_name text NOT NULL,"
              + " row_count bigint NOT NULL, delta_version bigint NOT NULL, PRIMARY KEY (run_date, table_name))");
      s.execute("REVOKE ALL ON SCHEMA cdx_meta FROM PUBLIC");
      if (roleExists(c, pc.biRole())) {
        s.execute("GRANT USAGE ON SCHEMA " + pc.schema() + " TO " + pc.biRole());
      } else {
        LOG.warn("BI role {} does not exist; create it (bin/postgres does locally) to give dashboards read access", pc.biRole());
      }
    }
  }

  private static boolean roleExists(Connection c, String role) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT 1 FROM pg_roles WHERE rolname = ?")) {
      ps.setString(1, role);
      return ps.executeQuery().next();
    }
  }

  private Published publish(Connection c, PublishConfig pc, String password, String table, LocalDate runDate)
      throws SQLException {
    String qualified = "reporting." + table;
    long version = lakehouse.version(qualified);
    Dataset<Row> data = flatten(lakehouse.readVersion(qualified, version));
    String staging = pc.schema() + "." + table + "__staging";
    try (Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + staging);
    }
    spark.sparkContext().setJobDescription("publish " + qualified);
    Properties props = new Properties();
    props.setProperty("user", pc.user());
    props.setProperty("password", password);
    props.setProperty("batchsize", String.valueOf(pc.batchSize()));
    props.setProperty("driver", "org.postgresql.Driver");
    data.write().mode("errorifexists").jdbc(pc.jdbcUrl(), staging, props);
    FaultPoints.reach("publish.after-staging." + table);
    long rows;
    try (Statement s = c.createStatement()) {
      var rs = s.executeQuery("SELECT count(*) FROM " + staging);
      rs.next();
      rows = rs.getLong(1);
    }
    boolean auto = c.getAutoCommit();
    c.setAutoCommit(false);
    try (Statement s = c.createStatement()) {
      s.execute("DROP TABLE IF EXISTS " + pc.schema() + "." + table);
      s.execute("ALTER TABLE " + staging + " RENAME TO " + table);
      if (roleExists(c, pc.biRole())) {
        s.execute("GRANT SELECT ON " + pc.schema() + "." + table + " TO " + pc.biRole());
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "INSERT INTO cdx_meta.publish_log VALUES (?, ?, ?, ?) ON CONFLICT (run_date, table_name)"
                  + " DO UPDATE SET row_count = EXCLUDED.row_count, delta_version = EXCLUDED.delta_version")) {
        ps.setDate(1, java.sql.Date.valueOf(runDate));
        ps.setString(2, table);
        ps.setLong(3, rows);
        ps.setLong(4, version);
        ps.executeUpdate();
      }
      FaultPoints.reach("publish.in-transaction." + table);
      c.commit();
    } catch (SQLException e) {
      c.rollback();
      throw e;
    } finally {
      c.setAutoCommit(auto);
    }
    return new Published(table, rows, version);
  }

  /** Maps, structs and arrays of structs become JSON text: what a SQL client can read anywhere. */
  static Dataset<Row> flatten(Dataset<Row> df) {
    List<Column> cols = new ArrayList<>();
    for (StructField f : df.schema().fields()) {
      DataType t = f.dataType();
      boolean complex =
          t instanceof MapType
              || t instanceof StructType
              || (t instanceof ArrayType a && !(a.elementType() instanceof org.apache.spark.sql.types.AtomicType));
      cols.add(complex ? functions.to_json(functions.col(f.name())).alias(f.name()) : functions.col(f.name()));
    }
    return df.select(cols.toArray(new Column[0]));
  }
}
