package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/localpg"
)

const (
	pushDB          = "pushbench"
	pushRowsEnv     = "FEATUREGATE_PUSH_ROWS" // rows (entities) of each leg
	pushDefaultRows = 100000
	pushHTTPBatch   = 10000 // rows per POST /push, under the API's 10 MiB body
)

// BenchmarkPush measures pushing rows straight into the online store
// (issue 15) against MATERIALIZE of the same rows, in one run, through a
// `featuregate serve` process: MATERIALIZE of a view over a table holding
// N rows (one per entity), COPY <view> FROM STDIN (FORMAT csv) of the
// same N rows into a second view, and POST /push of them, in bodies of
// 10,000 rows, into a third view's source. It checks that the three views
// serve the same values for a sample of keys, then reports rows/s of each
// and the ratios push/MATERIALIZE. One op is the whole run: -benchtime 1x.
func BenchmarkPush(b *testing.B) {
	ctx := context.Background()
	n := onlineEnvInt(b, pushRowsEnv, pushDefaultRows, 1)
	srv, err := localpg.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Stop() })
	dsn, err := srv.CreateDB(ctx, pushDB)
	if err != nil {
		b.Fatal(err)
	}
	pushSetup(ctx, b, dsn, n)
	bin := buildGateway(b)
	httpAddr, err := freeLoopbackAddr()
	if err != nil {
		b.Fatal(err)
	}
	gw := startGatewayProc(b, onlineWithHTTP(b, bin, httpAddr), dsn, pushDB)
	url := "http://" + httpAddr
	if err := onlineWaitHTTP(url, 30*time.Second); err != nil {
		b.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, gw.DSN("bench", pushDB))
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, stmt := range pushCatalog() {
		if _, err := conn.Exec(ctx, stmt); err != nil {
			b.Fatalf("%s: %v", stmt, err)
		}
	}
	for range b.N {
		mat := pushTime(b, func() error {
			_, err := conn.Exec(ctx, `MATERIALIZE mat_fv FROM '2000-01-01T00:00:00Z' TO '2100-01-01T00:00:00Z'`)
			return err
		})
		cp := pushTime(b, func() error { return pushCopy(ctx, conn, n) })
		web := pushTime(b, func() error { return pushHTTP(url, n) })
		pushVerify(ctx, b, conn, n)
		rate := func(d time.Duration) float64 { return float64(n) / d.Seconds() }
		b.ReportMetric(rate(mat), "materialize_rows/s")
		b.ReportMetric(rate(cp), "copy_rows/s")
		b.ReportMetric(rate(web), "http_push_rows/s")
		b.ReportMetric(rate(cp)/rate(mat), "copy/materialize")
		b.ReportMetric(rate(web)/rate(mat), "http/materialize")
		b.Logf("mode=process rows=%d: MATERIALIZE %.0f rows/s (%s), COPY %.0f rows/s (%s, x%.2f), POST /push %.0f rows/s (%s, x%.2f); target: push at least as fast per row as MATERIALIZE",
			n, rate(mat), mat.Round(time.Millisecond), rate(cp), cp.Round(time.Millisecond), rate(cp)/rate(mat),
			rate(web), web.Round(time.Millisecond), rate(web)/rate(mat))
	}
}

// pushSetup creates the three source tables; the first holds n rows.
func pushSetup(ctx context.Context, b *testing.B, dsn string, n int) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, t := range []string{"src_mat", "src_copy", "src_http"} {
		sql := fmt.Sprintf(`DROP TABLE IF EXISTS %[1]s; CREATE TABLE %[1]s (user_id bigint, ts timestamptz,
			f1 bigint, f2 double precision, f3 text, f4 real, f5 boolean, f6 bigint)`, t)
		if _, err := conn.Exec(ctx, sql); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, `INSERT INTO src_mat SELECT g, timestamptz '2024-01-01T00:00:00Z' + g * interval '1 second',
		g * 7, g / 3.0, 'v' || g, (g % 1000) / 8.0, g % 2 = 0, -g FROM generate_series(1, $1) g`, n); err != nil {
		b.Fatal(err)
	}
}

// pushCatalog defines a view over each table.
func pushCatalog() []string {
	stmts := []string{`CREATE ENTITY pusher (user_id BIGINT)`}
	for _, v := range []string{"mat", "copy", "http"} {
		stmts = append(stmts,
			fmt.Sprintf(`CREATE SOURCE %[1]s_source TIMESTAMP COLUMN ts AS TABLE src_%[1]s`, v),
			fmt.Sprintf(`CREATE FEATURE VIEW %[1]s_fv (f1 BIGINT, f2 DOUBLE PRECISION, f3 TEXT, f4 REAL, f5 BOOLEAN, f6 BIGINT)
				ENTITY pusher SOURCE %[1]s_source TTL NONE`, v))
	}
	return stmts
}

// pushRow is row g of the generated data, as text.
func pushRow(g int) []string {
	return []string{strconv.Itoa(g), time.Date(2024, 1, 1, 0, 0, g, 0, time.UTC).Format(time.RFC3339),
		strconv.Itoa(g * 7), strconv.FormatFloat(float64(g)/3.0, 'g', -1, 64), "v" + strconv.Itoa(g),
		strconv.FormatFloat(float64(g%1000)/8.0, 'g', -1, 32), strconv.FormatBool(g%2 == 0), strconv.Itoa(-g)}
}

// pushCopy copies n rows into copy_fv.
func pushCopy(ctx context.Context, conn *pgx.Conn, n int) error {
	var buf bytes.Buffer
	for g := 1; g <= n; g++ {
		r := pushRow(g)
		for i, v := range r {
			if i > 0 {
				buf.WriteByte(',')
			}
			buf.WriteString(v)
		}
		buf.WriteByte('\n')
	}
	tag, err := conn.PgConn().CopyFrom(ctx, &buf, `COPY copy_fv (user_id, event_timestamp, f1, f2, f3, f4, f5, f6) FROM STDIN (FORMAT csv)`)
	if err == nil && tag.RowsAffected() != int64(n) {
		err = fmt.Errorf("COPY wrote %d rows, want %d", tag.RowsAffected(), n)
	}
	return err
}

// pushHTTP posts n rows to http_source, in bodies of pushHTTPBatch rows.
func pushHTTP(url string, n int) error {
	names := []string{"user_id", "ts", "f1", "f2", "f3", "f4", "f5", "f6"}
	for lo := 1; lo <= n; lo += pushHTTPBatch {
		df := map[string][]any{}
		for g := lo; g < lo+pushHTTPBatch && g <= n; g++ {
			r := pushRow(g)
			for i, name := range names {
				df[name] = append(df[name], r[i])
			}
		}
		body, _ := json.Marshal(map[string]any{"push_source_name": "http_source", "to": "online", "project": pushDB, "df": df})
		resp, err := http.Post(url+"/push", "application/json", bytes.NewReader(body))
		if err != nil {
			return err
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("POST /push: %d %s", resp.StatusCode, raw)
		}
	}
	return nil
}

// pushTime times fn.
func pushTime(b *testing.B, fn func() error) time.Duration {
	start := time.Now()
	if err := fn(); err != nil {
		b.Fatal(err)
	}
	return time.Since(start)
}

// pushVerify checks that the three views serve the same values for a
// sample of keys.
func pushVerify(ctx context.Context, b *testing.B, conn *pgx.Conn, n int) {
	for _, key := range []int{1, n / 3, n / 2, n} {
		var want []any
		for _, v := range []string{"mat_fv", "copy_fv", "http_fv"} {
			rows, err := conn.Query(ctx, "SELECT event_timestamp, f1, f2, f3, f4, f5, f6 FROM "+v+" WHERE user_id = $1", key)
			if err != nil {
				b.Fatal(err)
			}
			got, err := pgx.CollectOneRow(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
			if err != nil {
				b.Fatalf("%s key %d: %v", v, key, err)
			}
			if want == nil {
				want = got
			} else if fmt.Sprint(got) != fmt.Sprint(want) {
				b.Fatalf("%s key %d: %v, want %v (as mat_fv)", v, key, got, want)
			}
		}
		if want[1] == nil {
			b.Fatalf("key %d: no value", key)
		}
	}
}
