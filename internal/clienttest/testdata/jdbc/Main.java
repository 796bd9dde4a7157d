// A pgjdbc client for featuregate's compatibility tests. It runs one
// scenario against the server it is given and prints what the driver saw,
// in a canonical, deterministic form, so that the output through the
// gateway can be compared with the output against PostgreSQL directly.
//
//   java -Duser.timezone=UTC -cp /usr/share/java/postgresql.jar Main.java <jdbc-url> <user> <scenario>
//
// Scenarios: basic, prepared, fetch, meta, errors, tx, copy.

import java.io.StringReader;
import java.io.StringWriter;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.sql.Array;
import java.sql.Connection;
import java.sql.DatabaseMetaData;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.ResultSetMetaData;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Statement;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Properties;

import org.postgresql.PGConnection;
import org.postgresql.PGStatement;
import org.postgresql.copy.CopyManager;

public class Main {
    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: Main.java <jdbc-url> <user> <scenario>");
            System.exit(2);
        }
        Properties props = new Properties();
        props.setProperty("user", args[1]);
        try (Connection conn = DriverManager.getConnection(args[0], props)) {
            switch (args[2]) {
                case "basic" -> basic(conn);
                case "prepared" -> prepared(conn);
                case "fetch" -> fetch(conn);
                case "meta" -> meta(conn);
                case "errors" -> errors(conn);
                case "tx" -> tx(conn);
                case "copy" -> copy(conn);
                default -> {
                    System.err.println("unknown scenario " + args[2]);
                    System.exit(2);
                }
            }
        }
        System.out.println("done");
    }

    static final String TYPES_COLUMNS = "id, i, b, f, n, t, ok, d, ts, j, by, arr";

    // basic: plain Statement queries, result metadata, several result sets.
    static void basic(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement()) {
            print("select-1", st.executeQuery("SELECT 1 AS one, 'x'::text AS x, NULL::int AS nothing"));
            print("types", st.executeQuery("SELECT " + TYPES_COLUMNS + " FROM jdbc_types ORDER BY id"));
            print("literals", st.executeQuery(
                "SELECT 2147483647::int AS maxint, (-9223372036854775808)::bigint AS minbig, 1.5::float8 AS f, "
                + "'Infinity'::float8 AS inf, 0.000001::numeric AS small, '-12.50'::numeric AS neg, "
                + "'{}'::int[] AS empty_arr, '{{1,2},{3,4}}'::int[] AS matrix, ''::bytea AS empty_bytes, "
                + "'null'::jsonb AS json_null, E'tab\\there'::text AS esc"));
            boolean isRS = st.execute("SELECT 1 AS a; SELECT 'two' AS b, 2 AS c; SELECT count(*) AS n FROM jdbc_types");
            int k = 0;
            while (true) {
                if (isRS) {
                    print("multi-" + (k++), st.getResultSet());
                } else if (st.getUpdateCount() == -1) {
                    break;
                } else {
                    System.out.println("multi-update " + st.getUpdateCount());
                }
                isRS = st.getMoreResults();
            }
            print("version-num", st.executeQuery("SELECT current_setting('server_version_num')::int >= 100000 AS modern"));
            print("timezone", st.executeQuery("SHOW TimeZone"));
            print("empty", st.executeQuery("SELECT id FROM jdbc_types WHERE false"));
            print("unicode", st.executeQuery("SELECT t, length(t) AS chars, octet_length(t) AS bytes FROM jdbc_types WHERE id = 1"));
        }
    }

    // prepared: PreparedStatements run past prepareThreshold, so that the
    // driver switches to named server-side statements (and binary results).
    static void prepared(Connection conn) throws SQLException {
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT ?::int AS k, " + TYPES_COLUMNS + " FROM jdbc_types WHERE id = ?")) {
            for (int k = 1; k <= 12; k++) {
                ps.setInt(1, k);
                ps.setInt(2, (k % 3) + 1);
                try (ResultSet rs = ps.executeQuery()) {
                    print("by-id k=" + k, rs);
                }
            }
            System.out.println("by-id server prepare: " + ps.unwrap(PGStatement.class).isUseServerPrepare());
        }
        try (PreparedStatement ps = conn.prepareStatement(
                "SELECT ?::text || '!' AS t, ?::bigint + 1 AS b, ?::numeric * 2 AS n, ?::float8 / 2 AS f, "
                + "?::date + 1 AS d, ?::timestamptz AS ts, ?::bytea AS by, ?::bool AS ok, ?::int[] AS arr, "
                + "?::jsonb -> 'k' AS j")) {
            for (int k = 0; k < 12; k++) {
                ps.setString(1, "s" + k + "é");
                ps.setLong(2, 9_000_000_000_000_000_000L + k);
                ps.setBigDecimal(3, new BigDecimal("12345678901234567890.125").add(BigDecimal.valueOf(k)));
                ps.setDouble(4, 1.25 * k);
                ps.setObject(5, LocalDate.of(2024, 2, 28).plusDays(k));
                ps.setObject(6, OffsetDateTime.of(2024, 3, 1, 10, 0, k, 500_000_000, ZoneOffset.ofHours(2)));
                ps.setBytes(7, new byte[] {(byte) k, (byte) 0xff, 0});
                ps.setBoolean(8, k % 2 == 0);
                ps.setArray(9, conn.createArrayOf("int4", new Integer[] {k, null, k * 10}));
                ps.setString(10, "{\"k\": " + k + "}");
                if (k % 4 == 3) {
                    for (int p = 1; p <= 10; p++) {
                        ps.setNull(p, java.sql.Types.NULL);
                    }
                }
                try (ResultSet rs = ps.executeQuery()) {
                    print("params k=" + k, rs);
                }
            }
            System.out.println("params server prepare: " + ps.unwrap(PGStatement.class).isUseServerPrepare());
        }
        // Updates through a server-prepared statement, on a temporary table.
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TEMP TABLE jdbc_scratch (id int PRIMARY KEY, v text)");
        }
        try (PreparedStatement ins = conn.prepareStatement("INSERT INTO jdbc_scratch VALUES (?, ?)")) {
            for (int k = 0; k < 11; k++) {
                ins.setInt(1, k);
                ins.setString(2, "v" + k);
                System.out.println("insert " + k + " -> " + ins.executeUpdate());
            }
        }
        try (Statement st = conn.createStatement()) {
            print("scratch", st.executeQuery("SELECT count(*) AS n, sum(id) AS s FROM jdbc_scratch"));
            // Named server-side statements: the driver's own (not from SQL).
            print("server statements", st.executeQuery(
                "SELECT count(*) FILTER (WHERE statement LIKE '%FROM jdbc_types WHERE id = $2%') > 0 AS by_id, "
                + "count(*) FILTER (WHERE statement LIKE '%AS arr, $10::jsonb%') > 0 AS params, "
                + "count(*) FILTER (WHERE statement LIKE 'INSERT INTO jdbc_scratch%') > 0 AS inserts "
                + "FROM pg_prepared_statements WHERE NOT from_sql"));
        }
    }

    // fetch: setFetchSize with autocommit off reads through a portal, a
    // batch at a time (Execute with a row limit, PortalSuspended).
    static void fetch(Connection conn) throws Exception {
        conn.setAutoCommit(false);
        try (Statement st = conn.createStatement(); Statement other = conn.createStatement()) {
            st.setFetchSize(100);
            try (ResultSet rs = st.executeQuery("SELECT id, md5(id::text) AS h, id * 0.5 AS half FROM jdbc_big ORDER BY id")) {
                MessageDigest md = MessageDigest.getInstance("SHA-256");
                long n = 0, sum = 0, first = -1, last = -1;
                while (rs.next()) {
                    long id = rs.getLong(1);
                    if (first < 0) first = id;
                    last = id;
                    n++;
                    sum += id;
                    md.update((id + "," + rs.getString(2) + "," + rs.getBigDecimal(3).toPlainString() + "\n").getBytes(StandardCharsets.UTF_8));
                    if (n == 150) {
                        // The portal is open and suspended: PostgreSQL lists it.
                        print("open portals", other.executeQuery(
                            "SELECT count(*) AS n, bool_and(NOT is_holdable) AS not_holdable FROM pg_cursors WHERE statement LIKE '%FROM jdbc_big ORDER BY id%' AND statement NOT LIKE '%pg_cursors%'"));
                    }
                }
                System.out.printf("statement rows=%d sum=%d first=%d last=%d sha256=%s%n", n, sum, first, last, hex(md.digest()));
            }
        }
        conn.commit();

        // A prepared statement with a parameter, fetched in batches.
        try (PreparedStatement ps = conn.prepareStatement("SELECT id, md5(id::text) AS h FROM jdbc_big WHERE id > ? ORDER BY id")) {
            ps.setFetchSize(100);
            for (int round = 0; round < 7; round++) {
                ps.setInt(1, round * 1000);
                long n = 0, sum = 0;
                try (ResultSet rs = ps.executeQuery()) {
                    while (rs.next()) {
                        n++;
                        sum += rs.getLong(1);
                    }
                }
                System.out.printf("prepared round=%d rows=%d sum=%d%n", round, n, sum);
            }
        }
        conn.commit();

        // Two portals open at once, read alternately.
        try (Statement a = conn.createStatement(); Statement b = conn.createStatement()) {
            a.setFetchSize(100);
            b.setFetchSize(100);
            ResultSet ra = a.executeQuery("SELECT id FROM jdbc_big ORDER BY id");
            ResultSet rb = b.executeQuery("SELECT id FROM jdbc_big ORDER BY id DESC");
            long na = 0, nb = 0, pairs = 0, match = 0;
            boolean ha = true, hb = true;
            while (ha || hb) {
                ha = ha && ra.next();
                hb = hb && rb.next();
                if (ha) na++;
                if (hb) nb++;
                if (ha && hb) {
                    pairs++;
                    if (ra.getLong(1) + rb.getLong(1) == 12001) match++;
                }
            }
            ra.close();
            rb.close();
            System.out.printf("interleaved a=%d b=%d pairs=%d matching=%d%n", na, nb, pairs, match);
        }
        conn.commit();

        // setMaxRows also limits Execute.
        try (Statement st = conn.createStatement()) {
            st.setMaxRows(250);
            st.setFetchSize(100);
            long n = 0;
            try (ResultSet rs = st.executeQuery("SELECT id FROM jdbc_big ORDER BY id")) {
                while (rs.next()) n++;
            }
            System.out.println("max rows 250 -> " + n);
        }
        conn.commit();
        conn.setAutoCommit(true);

        // With autocommit on the driver reads everything at once.
        try (Statement st = conn.createStatement()) {
            st.setFetchSize(100);
            long n = 0;
            try (ResultSet rs = st.executeQuery("SELECT id FROM jdbc_big")) {
                while (rs.next()) n++;
            }
            System.out.println("autocommit rows=" + n);
        }
    }

    // meta: what DBeaver, Metabase and friends ask of DatabaseMetaData.
    static void meta(Connection conn) throws SQLException {
        DatabaseMetaData md = conn.getMetaData();
        System.out.println("product " + md.getDatabaseProductName() + " major>=10 " + (md.getDatabaseMajorVersion() >= 10));
        System.out.println("driver " + md.getDriverName());
        System.out.println("quote " + md.getIdentifierQuoteString() + " readonly " + md.isReadOnly());
        print("tables", md.getTables(null, "public", "%", new String[] {"TABLE"}),
            "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE", "REMARKS");
        print("views", md.getTables(null, "public", "%", new String[] {"VIEW"}),
            "TABLE_SCHEM", "TABLE_NAME", "TABLE_TYPE", "REMARKS");
        print("columns", md.getColumns(null, "public", "jdbc_types", "%"),
            "TABLE_NAME", "COLUMN_NAME", "DATA_TYPE", "TYPE_NAME", "COLUMN_SIZE", "DECIMAL_DIGITS",
            "NULLABLE", "REMARKS", "COLUMN_DEF", "ORDINAL_POSITION", "IS_NULLABLE", "IS_AUTOINCREMENT");
        print("pk", md.getPrimaryKeys(null, "public", "jdbc_types"), "TABLE_NAME", "COLUMN_NAME", "KEY_SEQ", "PK_NAME");
        print("imported", md.getImportedKeys(null, "public", "jdbc_child"),
            "PKTABLE_NAME", "PKCOLUMN_NAME", "FKTABLE_NAME", "FKCOLUMN_NAME", "KEY_SEQ", "FK_NAME");
        print("indexes", md.getIndexInfo(null, "public", "jdbc_types", false, false),
            "TABLE_NAME", "NON_UNIQUE", "INDEX_NAME", "ORDINAL_POSITION", "COLUMN_NAME");
        print("schemas", md.getSchemas(null, "public"), "TABLE_SCHEM");
        try (ResultSet rs = md.getTypeInfo()) {
            int n = 0;
            boolean int4 = false, jsonb = false;
            while (rs.next()) {
                n++;
                int4 |= "int4".equals(rs.getString("TYPE_NAME"));
                jsonb |= "jsonb".equals(rs.getString("TYPE_NAME"));
            }
            System.out.println("type info int4=" + int4 + " jsonb=" + jsonb + " many=" + (n > 20));
        }
        try (Statement st = conn.createStatement();
             ResultSet rs = st.executeQuery("SELECT " + TYPES_COLUMNS + " FROM jdbc_types WHERE false")) {
            ResultSetMetaData rm = rs.getMetaData();
            for (int i = 1; i <= rm.getColumnCount(); i++) {
                System.out.printf("rsmeta %s type=%s/%d class=%s table=%s nullable=%d%n", rm.getColumnLabel(i),
                    rm.getColumnTypeName(i), rm.getColumnType(i), rm.getColumnClassName(i),
                    rm.getTableName(i), rm.isNullable(i));
            }
        }
    }

    // errors: SQLSTATEs reach the client, and the connection goes on.
    static void errors(Connection conn) throws SQLException {
        try (Statement st = conn.createStatement()) {
            expectError("autocommit division", () -> st.executeQuery("SELECT 1/0"));
            print("after division", st.executeQuery("SELECT 1 AS ok"));
            expectError("syntax", () -> st.executeQuery("SELEC 1"));
            expectError("undefined table", () -> st.executeQuery("SELECT * FROM jdbc_nope"));
            expectError("undefined column", () -> st.executeQuery("SELECT nope FROM jdbc_types"));
            expectError("bad cast", () -> st.executeQuery("SELECT 'abc'::int"));
            print("after errors", st.executeQuery("SELECT count(*) AS n FROM jdbc_types"));
        }
        // A server-prepared statement that fails, then runs again.
        try (PreparedStatement ps = conn.prepareStatement("SELECT 100 / ? AS q")) {
            for (int k = 1; k <= 8; k++) {
                int div = k == 7 ? 0 : k;
                ps.setInt(1, div);
                final PreparedStatement p = ps;
                if (div == 0) {
                    expectError("prepared division k=" + k, () -> p.executeQuery());
                } else {
                    print("prepared k=" + k, ps.executeQuery());
                }
            }
        }
        // In a transaction: the error aborts it until rollback.
        conn.setAutoCommit(false);
        try (Statement st = conn.createStatement()) {
            print("tx before", st.executeQuery("SELECT 1 AS ok"));
            expectError("tx division", () -> st.executeQuery("SELECT 1/0"));
            expectError("tx aborted", () -> st.executeQuery("SELECT 1"));
            conn.rollback();
            print("tx after rollback", st.executeQuery("SELECT 2 AS ok"));
            conn.commit();
            // An error on a later batch of a suspended portal.
            st.setFetchSize(100);
            long n = 0;
            try (ResultSet rs = st.executeQuery("SELECT 1 / (g - 250) AS x FROM generate_series(1, 1000) AS g")) {
                while (rs.next()) n++;
                System.out.println("portal error: none after " + n);
            } catch (SQLException e) {
                System.out.println("portal error after " + n + " rows: " + describe(e));
            }
            conn.rollback();
            print("after portal error", st.executeQuery("SELECT 3 AS ok"));
            conn.commit();
        }
        conn.setAutoCommit(true);
        try (Statement st = conn.createStatement()) {
            print("final", st.executeQuery("SELECT 4 AS ok"));
        }
    }

    // tx: a temporary table across commits, rollbacks and savepoints.
    static void tx(Connection conn) throws SQLException {
        conn.setAutoCommit(false);
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TEMP TABLE jdbc_tmp (id int PRIMARY KEY, v text NOT NULL)");
            try (PreparedStatement ins = conn.prepareStatement("INSERT INTO jdbc_tmp VALUES (?, ?)")) {
                for (int k = 1; k <= 5; k++) {
                    ins.setInt(1, k);
                    ins.setString(2, "committed " + k);
                    ins.addBatch();
                }
                System.out.println("batch " + Arrays.toString(ins.executeBatch()));
            }
            conn.commit();
            System.out.println("insert more " + st.executeUpdate("INSERT INTO jdbc_tmp SELECT g, 'rolled back' FROM generate_series(6, 8) g"));
            print("before rollback", st.executeQuery("SELECT count(*) AS n FROM jdbc_tmp"));
            conn.rollback();
            print("after rollback", st.executeQuery("SELECT count(*) AS n FROM jdbc_tmp"));
            st.executeUpdate("INSERT INTO jdbc_tmp VALUES (100, 'kept')");
            Savepoint sp = conn.setSavepoint("sp1");
            st.executeUpdate("INSERT INTO jdbc_tmp VALUES (101, 'undone')");
            conn.rollback(sp);
            expectError("duplicate in savepoint", () -> {
                Savepoint sp2 = conn.setSavepoint();
                try {
                    st.executeUpdate("INSERT INTO jdbc_tmp VALUES (1, 'dup')");
                } finally {
                    conn.rollback(sp2);
                }
                return null;
            });
            System.out.println("updated " + st.executeUpdate("UPDATE jdbc_tmp SET v = v || '!' WHERE id <= 2"));
            conn.commit();
            print("final", st.executeQuery("SELECT id, v FROM jdbc_tmp ORDER BY id"));
            conn.commit();
            conn.setTransactionIsolation(Connection.TRANSACTION_REPEATABLE_READ);
            print("isolation", st.executeQuery("SHOW transaction_isolation"));
            conn.commit();
            conn.setAutoCommit(true);
            print("autocommit", st.executeQuery("SELECT count(*) AS n FROM jdbc_tmp"));
            st.execute("DROP TABLE jdbc_tmp");
            expectError("dropped", () -> st.executeQuery("SELECT * FROM jdbc_tmp"));
        }
    }

    // copy: CopyManager, out and in.
    static void copy(Connection conn) throws Exception {
        CopyManager cm = conn.unwrap(PGConnection.class).getCopyAPI();
        StringWriter w = new StringWriter();
        long n = cm.copyOut("COPY (SELECT " + TYPES_COLUMNS + " FROM jdbc_types ORDER BY id) TO STDOUT", w);
        System.out.println("copy out text rows=" + n);
        System.out.print(w);
        w = new StringWriter();
        n = cm.copyOut("COPY (SELECT id, t, ok FROM jdbc_types ORDER BY id) TO STDOUT WITH (FORMAT csv, HEADER)", w);
        System.out.println("copy out csv rows=" + n);
        System.out.print(w);
        w = new StringWriter();
        n = cm.copyOut("COPY jdbc_big TO STDOUT", w);
        MessageDigest md = MessageDigest.getInstance("SHA-256");
        md.update(w.toString().getBytes(StandardCharsets.UTF_8));
        System.out.println("copy out big rows=" + n + " lines=" + w.toString().lines().count() + " sha256=" + hex(md.digest()));
        expectError("copy out error", () -> cm.copyOut("COPY (SELECT 1/0) TO STDOUT", new StringWriter()));
        try (Statement st = conn.createStatement()) {
            st.execute("CREATE TEMP TABLE jdbc_copied (id int, t text)");
            n = cm.copyIn("COPY jdbc_copied FROM STDIN", new StringReader("1\tone\n2\t\\N\n3\tthree\n"));
            System.out.println("copy in rows=" + n);
            expectError("copy in bad data", () -> cm.copyIn("COPY jdbc_copied FROM STDIN", new StringReader("x\ty\n")));
            print("copied", st.executeQuery("SELECT id, t FROM jdbc_copied ORDER BY id"));
        }
    }

    interface Action {
        Object run() throws Exception;
    }

    static void expectError(String label, Action a) {
        try {
            Object r = a.run();
            if (r instanceof ResultSet rs) {
                print(label + " (no error!)", rs);
            }
            System.out.println(label + ": NO ERROR");
        } catch (SQLException e) {
            System.out.println(label + ": " + describe(e));
        } catch (Exception e) {
            System.out.println(label + ": unexpected " + e);
        }
    }

    static String describe(SQLException e) {
        String msg = e.getMessage();
        int nl = msg.indexOf('\n');
        if (nl >= 0) msg = msg.substring(0, nl);
        return "SQLSTATE " + e.getSQLState() + " " + msg;
    }

    // print renders a result set: the column labels and types, then each
    // row with each value read by the getter suited to its type.
    static void print(String label, ResultSet rs) throws SQLException {
        try (rs) {
            ResultSetMetaData md = rs.getMetaData();
            int n = md.getColumnCount();
            StringBuilder sb = new StringBuilder("== " + label + ":");
            for (int i = 1; i <= n; i++) {
                sb.append(' ').append(md.getColumnLabel(i)).append('/').append(md.getColumnTypeName(i));
            }
            System.out.println(sb);
            int rows = 0;
            while (rs.next()) {
                rows++;
                sb = new StringBuilder("row");
                for (int i = 1; i <= n; i++) {
                    sb.append(i == 1 ? " " : " | ").append(md.getColumnLabel(i)).append('=').append(value(rs, md, i));
                }
                System.out.println(sb);
            }
            System.out.println("(" + rows + " rows)");
        }
    }

    // print renders the named columns of a metadata result set.
    static void print(String label, ResultSet rs, String... cols) throws SQLException {
        try (rs) {
            System.out.println("== " + label + ": " + String.join(" ", cols));
            int rows = 0;
            while (rs.next()) {
                rows++;
                StringBuilder sb = new StringBuilder("row");
                for (String c : cols) {
                    sb.append(' ').append(c).append('=').append(rs.getString(c));
                }
                System.out.println(sb);
            }
            System.out.println("(" + rows + " rows)");
        }
    }

    static String value(ResultSet rs, ResultSetMetaData md, int i) throws SQLException {
        Object o = rs.getObject(i);
        if (o == null) {
            return "NULL";
        }
        String cls = o.getClass().getSimpleName();
        String v;
        switch (md.getColumnTypeName(i)) {
            case "int2", "int4" -> v = Integer.toString(rs.getInt(i));
            case "int8" -> v = Long.toString(rs.getLong(i));
            case "float4", "float8" -> v = Double.toString(rs.getDouble(i));
            case "numeric" -> v = rs.getBigDecimal(i).toPlainString();
            case "bool" -> v = Boolean.toString(rs.getBoolean(i));
            case "date" -> v = rs.getObject(i, LocalDate.class).toString();
            case "timestamptz" -> v = rs.getObject(i, OffsetDateTime.class).withOffsetSameInstant(ZoneOffset.UTC).toString();
            case "bytea" -> v = "\\x" + hex(rs.getBytes(i));
            case "_int4" -> {
                Array a = rs.getArray(i);
                v = Arrays.deepToString((Object[]) a.getArray()) + " base=" + a.getBaseTypeName();
            }
            default -> v = rs.getString(i);
        }
        if (md.getColumnTypeName(i).equals("bytea")) {
            // pgjdbc's getString of a bytea received in binary format is
            // byte[].toString(): it shows which format the server sent.
            return v + " (" + cls + ") format=" + (rs.getString(i).startsWith("[B@") ? "binary" : "text");
        }
        return v + " (" + cls + ") str=" + rs.getString(i);
    }

    static String hex(byte[] b) {
        return HexFormat.of().formatHex(b);
    }
}
