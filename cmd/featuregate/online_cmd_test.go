package main

import (
	"slices"
	"strings"
	"testing"
)

// materialized returns a config of project rides materialized from
// January 1st to February 1st, both included, for the in-process gateway
// of each command.
func materialized(t *testing.T) string {
	t.Helper()
	cfg := ridesConfig(t, ridesDB(t))
	mustRun(t, "materialize", "2024-01-01", "2024-02-01", "--config", cfg)
	return cfg
}

func TestGetOnlineFeatures(t *testing.T) {
	cfg := materialized(t)
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"features, table", []string{"-f", "driver_stats_fv:trips", "-f", "driver_stats_fv:conv_rate", "-e", "driver_id=2", "-e", "driver_id=9"},
			"driver_id  trips  conv_rate\n2          35     0.35\n9\n"},
		{"features, json as Feast", []string{"--features", "driver_stats_fv:conv_rate,driver_stats_fv:trips", "--entity", "driver_id=1", "--entity", "driver_id=3", "-o", "json"},
			"{\n  \"driver_id\": [1,3],\n  \"conv_rate\": [0.2,null],\n  \"trips\": [20,null]\n}\n"},
		{"full feature names", []string{"-f", "driver_stats_fv:trips", "-e", "driver_id=1", "--full-feature-names", "-o", "yaml"},
			"driver_id: [1]\ndriver_stats_fv__trips: [20]\n"},
		{"service", []string{"--service", "driver_service", "-e", "driver_id=1", "-e", "driver_id=2", "-o", "yaml"},
			"driver_id: [1, 2]\nconv_rate: [0.2, 0.35]\ntrips: [20, 35]\n"},
		{"composite key", []string{"-f", "trip_fv:fare", "-e", "driver_id=2,trip_id=100", "-e", "driver_id=1,trip_id=101", "-e", "driver_id=1,trip_id=999"},
			"driver_id  trip_id  fare\n2          100      31\n1          101      7.25\n1          999\n"},
		{"composite key, Feast's zipped form", []string{"-f", "trip_fv:fare", "-e", "driver_id=1", "-e", "trip_id=100", "-o", "json"},
			"{\n  \"driver_id\": [1],\n  \"trip_id\": [100],\n  \"fare\": [12.5]\n}\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := mustRun(t, append([]string{"get-online-features", "--config", cfg}, tt.args...)...)
			if out != tt.want {
				t.Errorf("got\n%s\nwant\n%s", out, tt.want)
			}
		})
	}
}

// TestGetOnlineFeaturesRunningGateway reads from a running gateway, whose
// online store materialize filled.
func TestGetOnlineFeaturesRunningGateway(t *testing.T) {
	cfg := ridesConfig(t, ridesDB(t))
	addr := startGateway(t, cfg)
	mustRun(t, "materialize", "2024-01-01", "2024-02-01", "--config", cfg, "--listen", addr)
	out := mustRun(t, "get-online-features", "--service", "driver_service", "-e", "driver_id=2", "-e", "driver_id=1",
		"--config", cfg, "--listen", addr, "-o", "json")
	if want := "{\n  \"driver_id\": [2,1],\n  \"conv_rate\": [0.35,0.2],\n  \"trips\": [35,20]\n}\n"; out != want {
		t.Errorf("got\n%s\nwant\n%s", out, want)
	}
}

func TestGetOnlineFeaturesErrors(t *testing.T) {
	cfg := materialized(t)
	tests := []struct {
		code  int
		args  []string
		wants []string
	}{
		{2, []string{"-e", "driver_id=1"}, []string{"give either --features view:feature,… or --service NAME"}},
		{2, []string{"-f", "conv_rate", "-e", "driver_id=1"}, []string{`feature "conv_rate" is not view:feature`}},
		{2, []string{"-f", "driver_stats_fv:trips"}, []string{"give the entities: --entity KEY=VALUE"}},
		{2, []string{"-f", "trip_fv:fare", "-e", "driver_id=1,trip_id=2", "-e", "driver_id=3"}, []string{"key driver_id has 2 values and trip_id has 1"}},
		{2, []string{"-f", "trip_fv:fare", "-e", "driver_id"}, []string{`entity "driver_id" is not KEY=VALUE`}},
		{1, []string{"-f", "nope_fv:x", "-e", "driver_id=1"}, []string{"(SQLSTATE 42", "hint: "}},
		// Without trip_id the lookup cannot read trip_fv: the planner names the key.
		{1, []string{"-f", "trip_fv:fare", "-e", "driver_id=1"}, []string{`feature view trip_fv needs the entity key trip_id (SQLSTATE 22023)`}},
		{1, []string{"-f", "driver_stats_fv:trips", "-e", "driver_id=abc"}, []string{`join key driver_id: invalid input syntax for type bigint: "abc" (SQLSTATE 22023)`}},
		{1, []string{"-f", "driver_stat_fv:trips", "-e", "driver_id=1"}, []string{`did you mean "driver_stats_fv__trips"?`}},
		{1, []string{"--service", "nope", "-e", "driver_id=1"}, []string{"SQLSTATE 42"}},
	}
	for _, tt := range tests {
		wantFail(t, tt.code, tt.wants, append([]string{"get-online-features", "--config", cfg}, tt.args...)...)
	}
}

func TestParseEntities(t *testing.T) {
	keys, rows, err := parseEntities([]string{"a=1,b=2", "a=3, b=4", "a=5", "b=6"})
	if err != nil || !slices.Equal(keys, []string{"a", "b"}) || len(rows) != 3 ||
		!slices.Equal(rows[1], []string{"3", "4"}) || !slices.Equal(rows[2], []string{"5", "6"}) {
		t.Errorf("parseEntities: %v %v %v", keys, rows, err)
	}
	sql, args := onlineSQL(&featureFlags{}, []featureRef{{"v", "x"}, {"w", "x"}}, keys, rows)
	want := `SELECT a, b, v__x AS v__x, w__x AS w__x FROM features WHERE (a, b) IN (($1, $2), ($3, $4), ($5, $6))`
	if sql != want || len(args) != 6 {
		t.Errorf("onlineSQL:\n%s\nwant\n%s", sql, want)
	}
	sql, args = onlineSQL(&featureFlags{service: "Svc"}, nil, []string{"user"}, [][]string{{"u1"}})
	if sql != `SELECT * FROM "Svc" WHERE "user" = ANY($1)` || !strings.Contains(strings.Join(args[0].([]string), ","), "u1") {
		t.Errorf("onlineSQL for a service: %s %v", sql, args)
	}
}
