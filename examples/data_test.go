package examples_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/parquet-go/parquet-go"

	"github.com/featuregate/featuregate/examples"
	"github.com/featuregate/featuregate/internal/parquettest"
)

// The committed data files of the examples are what these tests write,
// with parquet-go, from the rows data.sql writes: run them with
// FEATUREGATE_WRITE_EXAMPLE_DATA=1 to write the files again.

type biometricRow struct {
	UserID                 string    `parquet:"user_id,dict"`
	EventTimestamp         time.Time `parquet:"event_timestamp,timestamp(microsecond:utc)"`
	HeartRate              *float32  `parquet:"heart_rate,optional"`
	BloodPressureSystolic  *int64    `parquet:"blood_pressure_systolic,optional"`
	BloodPressureDiastolic *int64    `parquet:"blood_pressure_diastolic,optional"`
	BodyTemperature        *float32  `parquet:"body_temperature,optional"`
	OxygenSaturation       *float32  `parquet:"oxygen_saturation,optional"`
}

type driverStatsRow struct {
	DriverID       int64     `parquet:"driver_id"`
	EventTimestamp time.Time `parquet:"event_timestamp,timestamp(microsecond:utc)"`
	Created        time.Time `parquet:"created,timestamp(microsecond:utc)"`
	ConvRate       *float32  `parquet:"conv_rate,optional"`
	AccRate        *float32  `parquet:"acc_rate,optional"`
	AvgDailyTrips  *int64    `parquet:"avg_daily_trips,optional"`
}

var dataDB atomic.Int64

// exampleRows loads the data.sql of example (with now() replaced by the
// time now, when not empty) and returns the rows of query.
func exampleRows[T any](t *testing.T, example, now, query string) []T {
	t.Helper()
	ctx := context.Background()
	dsn, err := pg.CreateDB(ctx, fmt.Sprintf("data_%d", dataDB.Add(1)))
	if err != nil {
		t.Fatal(err)
	}
	conn, err := pgx.Connect(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	sql, err := examples.FS.ReadFile(example + "/data.sql")
	if err != nil {
		t.Fatal(err)
	}
	text := string(sql)
	if now != "" {
		text = strings.ReplaceAll(text, "now()", "TIMESTAMPTZ '"+now+"'")
	}
	if _, err := conn.Exec(ctx, "SET TIME ZONE 'UTC'"); err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, text); err != nil {
		t.Fatal(err)
	}
	rows, err := conn.Query(ctx, query)
	if err != nil {
		t.Fatal(err)
	}
	out, err := pgx.CollectRows(rows, pgx.RowToStructByPos[T])
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// checkData compares the committed file with rows written by parquet-go,
// or writes it when asked.
func checkData[T any](t *testing.T, file string, rows []T) {
	t.Helper()
	var b bytes.Buffer
	w := parquet.NewGenericWriter[T](&b, parquet.Compression(&parquet.Snappy))
	if _, err := w.Write(rows); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if os.Getenv("FEATUREGATE_WRITE_EXAMPLE_DATA") == "1" {
		if err := os.WriteFile(file, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	committed, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(committed, b.Bytes()) {
		t.Errorf("%s is not what data.sql's rows make: run FEATUREGATE_WRITE_EXAMPLE_DATA=1 go test ./examples -run TestExampleData", file)
	}
}

// TestExampleData: the committed parquet files hold data.sql's rows, as
// DuckDB reads them too.
func TestExampleData(t *testing.T) {
	bio := exampleRows[biometricRow](t, "biometrics", examples.BiometricsDay.Format(time.RFC3339),
		"SELECT * FROM user_biometrics ORDER BY user_id, event_timestamp")
	checkData(t, "biometrics/repo/data/user_biometrics.parquet", bio)
	stats := exampleRows[driverStatsRow](t, "quickstart", "", "SELECT * FROM driver_stats ORDER BY driver_id, event_timestamp")
	checkData(t, "local/repo/data/driver_stats.parquet", stats)

	abs, err := filepath.Abs("biometrics/repo/data/user_biometrics.parquet")
	if err != nil {
		t.Fatal(err)
	}
	got := parquettest.Run(t, `SELECT count(*) AS n, count(DISTINCT user_id) AS users, max(event_timestamp)::VARCHAR AS latest,
		sum(blood_pressure_systolic) AS sys FROM read_parquet('`+abs+`')`)
	var sys int64
	for _, r := range bio {
		sys += *r.BloodPressureSystolic
	}
	if want := fmt.Sprintf("map[latest:2026-11-30 08:00:00+00 n:6000 sys:%d users:200]", sys); fmt.Sprint(got[0]) != want {
		t.Errorf("DuckDB reads %v, want %s", got[0], want)
	}
}

// TestWriteData: WriteData moves the biometrics readings to the day the
// example is set up, by whole days, and leaves the local template's rows
// as they are.
func TestWriteData(t *testing.T) {
	dir := t.TempDir()
	now := time.Date(2027, 3, 15, 17, 30, 0, 0, time.UTC)
	if err := examples.WriteData("biometrics", dir, now); err != nil {
		t.Fatal(err)
	}
	got := parquettest.Run(t, "SELECT min(event_timestamp)::VARCHAR AS first, max(event_timestamp)::VARCHAR AS last, count(*) AS n FROM read_parquet('"+filepath.Join(dir, "user_biometrics.parquet")+"')")
	if fmt.Sprint(got[0]) != "map[first:2027-02-13 08:00:00+00 last:2027-03-14 08:00:00+00 n:6000]" {
		t.Errorf("moved readings: %v", got[0])
	}
	if err := examples.WriteData("local", dir, now); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile(filepath.Join(dir, "driver_stats.parquet"))
	b, _ := examples.FS.ReadFile("local/repo/data/driver_stats.parquet")
	if !bytes.Equal(a, b) {
		t.Error("the local template's data was changed")
	}
}
