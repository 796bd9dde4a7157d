package bench

import (
	"bytes"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
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
// 10,000 rows, into a third view's source. Each leg starts once the
// gateway is idle (the store's flushes and compactions of the leg before
// ended). Each round (FEATUREGATE_PUSH_ROUNDS,
// default 3) has views and tables of its own, so that every leg writes N
// new rows; the legs' order turns with the round. It checks that the three
// views serve the same values for a sample of keys, then reports the
// median over the rounds of each leg's rows/s, the ratios push/MATERIALIZE,
// and the CPU each leg cost per row (the gateway's plus PostgreSQL's). One
// op is the whole run: -benchtime 1x.
func BenchmarkPush(b *testing.B) {
	ctx := context.Background()
	n := onlineEnvInt(b, pushRowsEnv, pushDefaultRows, 1)
	rounds := onlineEnvInt(b, "FEATUREGATE_PUSH_ROUNDS", 3, 1)
	srv, err := localpg.Start()
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = srv.Stop() })
	dsn, err := srv.CreateDB(ctx, pushDB)
	if err != nil {
		b.Fatal(err)
	}
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
	if _, err := conn.Exec(ctx, `CREATE ENTITY pusher (user_id BIGINT)`); err != nil {
		b.Fatal(err)
	}
	// The pushed data is made before the clock starts, as the rows
	// MATERIALIZE reads are in the table before it starts.
	data, bodies := pushCSV(n), make([][][]byte, rounds)
	for r := range rounds {
		pushSetup(ctx, b, dsn, n, r)
		for _, stmt := range pushCatalog(r) {
			if _, err := conn.Exec(ctx, stmt); err != nil {
				b.Fatalf("%s: %v", stmt, err)
			}
		}
		bodies[r] = pushBodies(n, r)
	}
	for range b.N {
		legs := map[string][]pushLeg{}
		for r := range rounds {
			run := map[string]func() error{
				"MATERIALIZE": func() error {
					_, err := conn.Exec(ctx, fmt.Sprintf(`MATERIALIZE mat_fv_%d FROM '2000-01-01T00:00:00Z' TO '2100-01-01T00:00:00Z'`, r))
					return err
				},
				"COPY":       func() error { return pushCopy(ctx, conn, data, n, r) },
				"POST /push": func() error { return pushHTTP(url, bodies[r]) },
			}
			names := []string{"MATERIALIZE", "COPY", "POST /push"}
			for i := range names {
				name := names[(i+r)%len(names)]
				legs[name] = append(legs[name], pushMeasure(b, srv, gw, n, run[name]))
			}
			pushVerify(ctx, b, conn, n, r)
		}
		pushReport(b, n, rounds, legs)
	}
}

// pushLeg is one leg's wall time and CPU per row (the gateway's and
// PostgreSQL's).
type pushLeg struct {
	wall  time.Duration
	gwCPU float64 // µs per row
	pgCPU float64 // µs per row
}

// pushMeasure times fn and the CPU it costs the gateway and PostgreSQL,
// once the gateway is idle: the flushes and compactions of the store that
// the leg before started have ended.
func pushMeasure(b *testing.B, srv *localpg.Server, gw *gatewayProc, n int, fn func() error) pushLeg {
	waitIdle(b, gw)
	gw0, pg0 := pushCPU(b, srv, gw)
	start := time.Now()
	if err := fn(); err != nil {
		b.Fatal(err)
	}
	wall := time.Since(start)
	gw1, pg1 := pushCPU(b, srv, gw)
	perRow := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n) }
	return pushLeg{wall: wall, gwCPU: perRow(gw1 - gw0), pgCPU: perRow(pg1 - pg0)}
}

// waitIdle waits, for at most 30 seconds, until the gateway used at most
// one clock tick of CPU in each of two windows of 200ms.
func waitIdle(b *testing.B, gw *gatewayProc) {
	deadline, quiet := time.Now().Add(30*time.Second), 0
	last, err := gw.cpuTime()
	for err == nil && quiet < 2 && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
		var now time.Duration
		if now, err = gw.cpuTime(); err == nil {
			if now-last <= 10*time.Millisecond {
				quiet++
			} else {
				quiet = 0
			}
			last = now
		}
	}
	if err != nil {
		b.Fatal(err)
	}
	if quiet < 2 {
		b.Logf("the gateway was still busy after 30s; measuring anyway")
	}
}

// pushCPU is the CPU time the gateway and PostgreSQL's processes used so far.
func pushCPU(b *testing.B, srv *localpg.Server, gw *gatewayProc) (gwCPU, pgCPU time.Duration) {
	gwCPU, err := gw.cpuTime()
	if err != nil {
		b.Fatal(err)
	}
	procs, err := onlinePGCPU(srv)
	if err != nil {
		b.Fatal(err)
	}
	for _, d := range procs {
		pgCPU += d
	}
	return gwCPU, pgCPU
}

// pushReport reports the medians of the legs.
func pushReport(b *testing.B, n, rounds int, legs map[string][]pushLeg) {
	med := func(name string) pushLeg {
		ls := slices.Clone(legs[name])
		slices.SortFunc(ls, func(x, y pushLeg) int { return cmp.Compare(x.wall, y.wall) })
		return ls[len(ls)/2]
	}
	mat, cp, web := med("MATERIALIZE"), med("COPY"), med("POST /push")
	rate := func(l pushLeg) float64 { return float64(n) / l.wall.Seconds() }
	b.ReportMetric(rate(mat), "materialize_rows/s")
	b.ReportMetric(rate(cp), "copy_rows/s")
	b.ReportMetric(rate(web), "http_push_rows/s")
	b.ReportMetric(rate(cp)/rate(mat), "copy/materialize")
	b.ReportMetric(rate(web)/rate(mat), "http/materialize")
	line := func(name string, l pushLeg) string {
		return fmt.Sprintf("%s %.0f rows/s (%s, x%.2f of MATERIALIZE; CPU/row gateway %.2f µs + PostgreSQL %.2f µs)",
			name, rate(l), l.wall.Round(time.Millisecond), rate(l)/rate(mat), l.gwCPU, l.pgCPU)
	}
	b.Logf("mode=process rows=%d rounds=%d (medians): %s; %s; %s; target: push at least as fast per row as MATERIALIZE",
		n, rounds, line("MATERIALIZE", mat), line("COPY", cp), line("POST /push", web))
	for name, ls := range legs {
		var walls []string
		for _, l := range ls {
			walls = append(walls, l.wall.Round(time.Millisecond).String())
		}
		b.Logf("  %s rounds: %s", name, strings.Join(walls, " "))
	}
}

// pushSetup creates round r's three source tables; the first holds n rows.
func pushSetup(ctx context.Context, b *testing.B, dsn string, n, r int) {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, t := range []string{"src_mat", "src_copy", "src_http"} {
		sql := fmt.Sprintf(`DROP TABLE IF EXISTS %[1]s_%[2]d; CREATE TABLE %[1]s_%[2]d (user_id bigint, ts timestamptz,
			f1 bigint, f2 double precision, f3 text, f4 real, f5 boolean, f6 bigint)`, t, r)
		if _, err := conn.Exec(ctx, sql); err != nil {
			b.Fatal(err)
		}
	}
	if _, err := conn.Exec(ctx, fmt.Sprintf(`INSERT INTO src_mat_%d SELECT g, timestamptz '2024-01-01T00:00:00Z' + g * interval '1 second',
		g * 7, g / 3.0, 'v' || g, (g %% 1000) / 8.0, g %% 2 = 0, -g FROM generate_series(1, $1) g`, r), n); err != nil {
		b.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "VACUUM ANALYZE src_mat_"+strconv.Itoa(r)); err != nil {
		b.Fatal(err)
	}
}

// pushCatalog defines round r's view over each table.
func pushCatalog(r int) []string {
	var stmts []string
	for _, v := range []string{"mat", "copy", "http"} {
		stmts = append(stmts,
			fmt.Sprintf(`CREATE SOURCE %[1]s_source_%[2]d TIMESTAMP COLUMN ts AS TABLE src_%[1]s_%[2]d`, v, r),
			fmt.Sprintf(`CREATE FEATURE VIEW %[1]s_fv_%[2]d (f1 BIGINT, f2 DOUBLE PRECISION, f3 TEXT, f4 REAL, f5 BOOLEAN, f6 BIGINT)
				ENTITY pusher SOURCE %[1]s_source_%[2]d TTL NONE`, v, r))
	}
	return stmts
}

// pushRow is row g of the generated data, as text.
func pushRow(g int) []string {
	return []string{strconv.Itoa(g), time.Date(2024, 1, 1, 0, 0, g, 0, time.UTC).Format(time.RFC3339),
		strconv.Itoa(g * 7), strconv.FormatFloat(float64(g)/3.0, 'g', -1, 64), "v" + strconv.Itoa(g),
		strconv.FormatFloat(float64(g%1000)/8.0, 'g', -1, 32), strconv.FormatBool(g%2 == 0), strconv.Itoa(-g)}
}

// pushCSV is the CSV of n rows.
func pushCSV(n int) []byte {
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
	return buf.Bytes()
}

// pushCopy copies the n rows of data into round r's copy view.
func pushCopy(ctx context.Context, conn *pgx.Conn, data []byte, n, r int) error {
	tag, err := conn.PgConn().CopyFrom(ctx, bytes.NewReader(data),
		fmt.Sprintf(`COPY copy_fv_%d (user_id, event_timestamp, f1, f2, f3, f4, f5, f6) FROM STDIN (FORMAT csv)`, r))
	if err == nil && tag.RowsAffected() != int64(n) {
		err = fmt.Errorf("COPY wrote %d rows, want %d", tag.RowsAffected(), n)
	}
	return err
}

// pushBodies are the POST /push bodies of n rows into round r's HTTP
// source, of pushHTTPBatch rows each.
func pushBodies(n, r int) [][]byte {
	var bodies [][]byte
	names := []string{"user_id", "ts", "f1", "f2", "f3", "f4", "f5", "f6"}
	for lo := 1; lo <= n; lo += pushHTTPBatch {
		df := map[string][]any{}
		for g := lo; g < lo+pushHTTPBatch && g <= n; g++ {
			r := pushRow(g)
			for i, name := range names {
				df[name] = append(df[name], r[i])
			}
		}
		body, _ := json.Marshal(map[string]any{"push_source_name": fmt.Sprintf("http_source_%d", r), "to": "online", "project": pushDB, "df": df})
		bodies = append(bodies, body)
	}
	return bodies
}

// pushHTTP posts bodies to /push.
func pushHTTP(url string, bodies [][]byte) error {
	for _, body := range bodies {
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

// pushVerify checks that the three views serve the same values for a
// sample of keys.
func pushVerify(ctx context.Context, b *testing.B, conn *pgx.Conn, n, r int) {
	for _, key := range []int{1, n / 3, n / 2, n} {
		var want []any
		for _, v := range []string{"mat_fv", "copy_fv", "http_fv"} {
			v = fmt.Sprintf("%s_%d", v, r)
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
