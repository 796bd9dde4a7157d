import java.sql.*;
import java.time.OffsetDateTime;

/** pgjdbc reads features through featuregate: prepared AS OF queries and
 * prepared online lookups, past the driver's server-prepare threshold. */
public class Features {
    static final String ASOF_CONST = "SELECT user_id, months_active, round(watch_hours_30d::numeric, 2)::text AS watch "
            + "FROM features AS OF ? WHERE user_id = ?";
    static final String ASOF_SPINE = "SELECT s.user_id, f.months_active, round(f.watch_hours_30d::numeric, 2)::text AS watch "
            + "FROM (VALUES (?::text, ?::timestamptz)) AS s(user_id, t) LEFT JOIN features AS OF s.t f USING (user_id)";
    static final String LOOKUP = "SELECT user_id, months_active, monthly_fee AS fee FROM subs_profile_fv WHERE user_id = ?";

    static String cell(Object v) {
        if (v == null) return "NULL";
        if (v instanceof Number && !(v instanceof Long) && !(v instanceof Integer)) return String.format("%.2f", ((Number) v).doubleValue());
        return v.toString();
    }

    static void print(String kind, ResultSet rs) throws SQLException {
        int n = rs.getMetaData().getColumnCount();
        while (rs.next()) {
            StringBuilder b = new StringBuilder(kind);
            for (int i = 1; i <= n; i++) b.append(' ').append(cell(rs.getObject(i)));
            System.out.println(b);
        }
    }

    public static void main(String[] args) throws Exception {
        OffsetDateTime t = OffsetDateTime.parse("2024-01-31T00:00:00Z");
        try (Connection c = DriverManager.getConnection(args[0], args[1], "")) {
            try (PreparedStatement asofConst = c.prepareStatement(ASOF_CONST);
                 PreparedStatement asofSpine = c.prepareStatement(ASOF_SPINE)) {
                for (String user : new String[]{args[2], args[3]}) {
                    asofConst.setObject(1, t);
                    asofConst.setString(2, user);
                    try (ResultSet rs = asofConst.executeQuery()) { print("asof-const", rs); }
                    asofSpine.setString(1, user);
                    asofSpine.setObject(2, t);
                    try (ResultSet rs = asofSpine.executeQuery()) { print("asof-spine", rs); }
                }
            }
            try (PreparedStatement lookup = c.prepareStatement(LOOKUP)) {
                for (String user : new String[]{args[2], "nobody", args[3], args[2], args[3], args[2]}) {
                    lookup.setString(1, user);
                    try (ResultSet rs = lookup.executeQuery()) { print("lookup", rs); }
                }
                ResultSetMetaData md = lookup.getMetaData();
                StringBuilder b = new StringBuilder("describe ");
                for (int i = 1; i <= md.getColumnCount(); i++) {
                    if (i > 1) b.append(',');
                    b.append(md.getColumnName(i)).append(':').append(md.getColumnTypeName(i));
                }
                System.out.println(b);
            }
            // a BI tool's preview (DBeaver's data tab): the one-time form, prepared
            try (PreparedStatement preview = c.prepareStatement("SELECT * FROM subs_profile_fv LIMIT ?")) {
                preview.setInt(1, 2);
                try (ResultSet rs = preview.executeQuery()) {
                    int n = 0;
                    while (rs.next()) n++;
                    ResultSetMetaData md = rs.getMetaData();
                    System.out.println("preview " + n + " " + md.getColumnName(1) + "," + md.getColumnName(2) + "," + md.getColumnName(3));
                }
            }
        }
    }
}
