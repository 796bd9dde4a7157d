import java.sql.*;

// Lists what DBeaver and Metabase see of feature relations: getTables and
// getColumns of pgjdbc's DatabaseMetaData.
public class CatalogMeta {
    public static void main(String[] args) throws Exception {
        try (Connection c = DriverManager.getConnection(args[0])) {
            DatabaseMetaData md = c.getMetaData();
            try (ResultSet rs = md.getTables(null, "fg_%", "%", null)) {
                while (rs.next()) {
                    System.out.println("table " + rs.getString("TABLE_SCHEM") + "." + rs.getString("TABLE_NAME") + " " + rs.getString("TABLE_TYPE"));
                }
            }
            try (ResultSet rs = md.getColumns(null, "fg_%", "subs_profile_fv", "%")) {
                while (rs.next()) {
                    System.out.println("column " + rs.getString("COLUMN_NAME") + " " + rs.getString("TYPE_NAME"));
                }
            }
        }
    }
}
