package bench

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/jackc/pgx/v5"

	"github.com/featuregate/featuregate/internal/localpg"
)

// asofSizes are the sizes of the generated data.
type asofSizes struct {
	spine, rows, users int64 // spine rows; feature rows per view; users
}

// asofFeature is one feature of a generated view.
type asofFeature struct {
	name, typ string // column name in the source and the view; SQL type
	gen       string // SQL expression generating its value
}

// asofView is one generated feature view over its own source table.
type asofView struct {
	name     string // fvN: the feature view
	source   string // fvN_source: the catalog source
	table    string // fvN_src: the PostgreSQL table
	features []asofFeature
}

// asofViews returns the n generated views. Feature names carry the view's
// name, so that bare names are unique in the relation features.
func asofViews(n int) []asofView {
	views := make([]asofView, n)
	for i := range views {
		name := fmt.Sprintf("fv%d", i+1)
		views[i] = asofView{name: name, source: name + "_source", table: name + "_src", features: []asofFeature{
			{name + "_a", "DOUBLE PRECISION", "CASE WHEN random() < 0.01 THEN NULL ELSE random() * 100 END"},
			{name + "_b", "BIGINT", "(random() * 1000000)::bigint"},
			{name + "_c", "BOOLEAN", "random() < 0.5"},
			{name + "_d", "TEXT", "'v' || (random() * 1000)::int"},
		}}
	}
	return views
}

// asofStart is the start of the generated data's year (2024, 366 days).
const asofStart = "timestamptz '2024-01-01 00:00:00+00'"

// tunePG sets the server up for bulk loading and big joins, and restarts
// it so that shared_buffers takes effect (localpg's restart does not pin
// shared_buffers on the command line as its first start does).
func tunePG(ctx context.Context, srv *localpg.Server) error {
	conn, err := pgx.Connect(ctx, srv.DSN("postgres"))
	if err != nil {
		return fmt.Errorf("tune: %w", err)
	}
	defer conn.Close(ctx)
	for _, set := range []string{
		"shared_buffers = '3GB'", "work_mem = '256MB'", "maintenance_work_mem = '1GB'",
		"max_wal_size = '16GB'", "checkpoint_timeout = '1h'", "synchronous_commit = off",
		"full_page_writes = off", "max_parallel_workers_per_gather = 2",
		"max_parallel_maintenance_workers = 2", "effective_cache_size = '8GB'",
	} {
		if _, err := conn.Exec(ctx, "ALTER SYSTEM SET "+set); err != nil {
			return fmt.Errorf("tune: ALTER SYSTEM SET %s: %w", set, err)
		}
	}
	if err := srv.Restart(); err != nil {
		return fmt.Errorf("tune: %w", err)
	}
	return checkSetting(ctx, srv.DSN("postgres"), "shared_buffers", "3GB")
}

// checkSetting returns an error unless the server at dsn has name = want.
func checkSetting(ctx context.Context, dsn, name, want string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("tune: %w", err)
	}
	defer conn.Close(ctx)
	var got string
	if err := conn.QueryRow(ctx, "SELECT current_setting($1)", name).Scan(&got); err != nil {
		return fmt.Errorf("tune: %s: %w", name, err)
	}
	if got != want {
		return fmt.Errorf("tune: %s is %s after the restart, want %s", name, got, want)
	}
	return nil
}

// sourceTableSQL generates v's source: rows spread over users at random
// whole hours of 2024 (so that some timestamps tie), each created up to 6
// hours after its timestamp at a random microsecond (so that (key, ts,
// created) is unique and Feast's joins do not duplicate rows).
func sourceTableSQL(v asofView, sz asofSizes) string {
	cols := make([]string, len(v.features))
	for i, f := range v.features {
		cols[i] = fmt.Sprintf("(%s)::%s AS %s", f.gen, f.typ, f.name)
	}
	return fmt.Sprintf(`CREATE UNLOGGED TABLE %s AS
SELECT 1 + (i %% %d) AS user_id, ts, ts + random() * interval '6 hours' AS created, %s
FROM (SELECT i, %s + floor(random() * 8784) * interval '1 hour' AS ts
      FROM generate_series(1::bigint, %d) i) g`,
		v.table, sz.users, strings.Join(cols, ", "), asofStart, sz.rows)
}

// asofSpineSQL generates the spine: users drawn from 5% more than have
// features (so some find nothing), 0.1% NULL keys, times over the same year
// (so some precede every feature row), a tenth of them on whole hours (ts
// = t exactly), and 1% duplicate rows.
func asofSpineSQL(sz asofSizes) []string {
	unique := sz.spine - sz.spine/100
	return []string{
		fmt.Sprintf(`CREATE UNLOGGED TABLE spine AS
SELECT CASE WHEN random() < 0.001 THEN NULL ELSE 1 + floor(random() * %d * 1.05)::bigint END AS user_id,
       CASE WHEN random() < 0.1 THEN date_trunc('hour', t) ELSE t END AS t
FROM (SELECT %s + random() * interval '366 days' AS t FROM generate_series(1, %d)) g`,
			sz.users, asofStart, unique),
		fmt.Sprintf("INSERT INTO spine SELECT * FROM spine LIMIT %d", sz.spine-unique),
	}
}

// asofGenerate creates the spine and the views' source tables with their
// (user_id, ts) indexes, two tables at a time, then analyzes them and
// loads them into shared buffers.
func asofGenerate(ctx context.Context, dsn string, views []asofView, sz asofSizes) error {
	var jobs [][]string
	jobs = append(jobs, asofSpineSQL(sz))
	for _, v := range views {
		jobs = append(jobs, []string{sourceTableSQL(v, sz),
			fmt.Sprintf("CREATE INDEX ON %s (user_id, ts)", v.table)})
	}
	if err := runParallel(ctx, dsn, 2, jobs); err != nil {
		return err
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		return fmt.Errorf("generate: %w", err)
	}
	defer conn.Close(ctx)
	stmts := []string{"ANALYZE", "CREATE EXTENSION IF NOT EXISTS pg_prewarm",
		`SELECT pg_prewarm(c.oid) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
		 WHERE n.nspname = 'public' AND c.relkind IN ('r', 'i')`}
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			return fmt.Errorf("generate: %s: %w", s, err)
		}
	}
	return nil
}

// runParallel runs each job's statements in order on one of workers
// connections to dsn, and returns the first error.
func runParallel(ctx context.Context, dsn string, workers int, jobs [][]string) error {
	ch := make(chan []string)
	errs := make(chan error, workers)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs <- runJobs(ctx, dsn, ch)
		}()
	}
	for _, j := range jobs {
		ch <- j
	}
	close(ch)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// runJobs runs the jobs it receives on one connection; after an error it
// drains the channel without running anything.
func runJobs(ctx context.Context, dsn string, jobs <-chan []string) error {
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		for range jobs {
		}
		return fmt.Errorf("generate: %w", err)
	}
	defer conn.Close(ctx)
	var first error
	for job := range jobs {
		for _, s := range job {
			if first != nil {
				break
			}
			if _, err := conn.Exec(ctx, s); err != nil {
				first = fmt.Errorf("generate: %s: %w", s, err)
			}
		}
	}
	return first
}

// asofCatalogSQL is the catalog of the generated data, applied through the
// gateway: one entity, and for each view a source and a feature view
// without TTL.
func asofCatalogSQL(views []asofView) []string {
	out := []string{"CREATE ENTITY user (user_id BIGINT)"}
	for _, v := range views {
		cols := make([]string, len(v.features))
		for i, f := range v.features {
			cols[i] = f.name + " " + f.typ
		}
		out = append(out,
			fmt.Sprintf("CREATE SOURCE %s TIMESTAMP COLUMN ts CREATED COLUMN created AS TABLE %s", v.source, v.table),
			fmt.Sprintf("CREATE FEATURE VIEW %s (%s) ENTITY user SOURCE %s TTL NONE", v.name, strings.Join(cols, ", "), v.source))
	}
	return out
}
