package examples_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/featuregate/featuregate/httpapi"
)

// trainingHeader is the header of the lab's training_df.csv.
var trainingHeader = []string{"user_id", "event_timestamp", "months_active", "monthly_fee", "paperless_billing",
	"watch_hours_30d", "avg_session_mins_7d", "failed_payments_90d", "churn_label"}

// TestStreamFlowLab runs seed 004 as examples/streamflow/README.md says:
// the training set with pandas (train.py), materialization and lookups
// with psql (online.sql), and the lab's endpoint (serve.py) over SQL and
// over the HTTP API.
func TestStreamFlowLab(t *testing.T) {
	ex := startExample(t, "streamflow")

	dir := t.TempDir()
	out := runPython(t, dir, ex.url(), nil, "streamflow/train.py", "data/processed")
	t.Logf("train.py:\n%s", out)
	checkTrainingCSV(t, ex, filepath.Join(dir, "data", "processed", "training_df.csv"))
	if _, err := os.Stat(filepath.Join(dir, "data", "processed", "churn_model.pkl")); err != nil {
		t.Errorf("train.py saved no model: %v", err)
	}
	if auc := scoreIn(out, "test ROC AUC"); auc < 0.75 {
		t.Errorf("train.py: ROC AUC %.3f, the model learned nothing:\n%s", auc, out)
	}

	online := normalize(runPsql(t, ex.gw.DSN("demo", "streamflow"), "-f", "streamflow/online.sql"))
	checkOnline(t, ex, online)

	sqlServer := startServePy(t, ex, nil)
	checkEndpoint(t, sqlServer)

	api := httptest.NewServer(httpapi.New(ex.gw.Planner, httpapi.Config{Project: "streamflow"}))
	defer api.Close()
	checkCurl(t, api.URL)
	httpServer := startServePy(t, ex, []string{"FEATUREGATE_HTTP=" + api.URL})
	checkEndpoint(t, httpServer)
}

// checkTrainingCSV compares training_df.csv with each user's snapshot of
// 2024-01-31 and label, read directly on PostgreSQL: every table has a
// snapshot that very day, so it is the point-in-time answer.
func checkTrainingCSV(t *testing.T, ex *example, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) == 0 || !slices.Equal(rows[0], trainingHeader) {
		t.Fatalf("training_df.csv header %v, want %v", rows[:min(1, len(rows))], trainingHeader)
	}
	want := ex.direct(t, `SELECT s.user_id, s.as_of, s.months_active, s.monthly_fee,
		  CASE WHEN s.paperless_billing THEN 'True' ELSE 'False' END,
		  u.watch_hours_30d, u.avg_session_mins_7d, p.failed_payments_90d,
		  CASE WHEN l.churn_label THEN 'True' ELSE 'False' END
		FROM subscriptions_profile_snapshots s JOIN labels l USING (user_id)
		JOIN usage_agg_30d_snapshots u ON u.user_id = s.user_id AND u.as_of = s.as_of
		JOIN payments_agg_90d_snapshots p ON p.user_id = s.user_id AND p.as_of = s.as_of
		WHERE s.as_of = '2024-01-31' ORDER BY s.user_id COLLATE "C"`)
	got := rows[1:]
	slices.SortFunc(got, func(a, b []string) int { return strings.Compare(a[0], b[0]) })
	if len(got) != 1000 || len(want) != 1000 {
		t.Fatalf("training_df.csv has %d rows, PostgreSQL %d; want 1000", len(got), len(want))
	}
	for i, w := range want {
		cells := strings.Split(w, " | ")
		for j := range trainingHeader {
			if !sameCell(got[i][j], cells[j]) {
				t.Fatalf("training_df.csv row %v: %s is %q, PostgreSQL has %q", got[i], trainingHeader[j], got[i][j], cells[j])
			}
		}
	}
}

// sameCell compares a CSV cell with PostgreSQL's text: numbers by value
// (pandas writes 119.0 for 119), the rest exactly; NULL (empty) never
// matches.
func sameCell(got, want string) bool {
	g, errG := strconv.ParseFloat(got, 64)
	w, errW := strconv.ParseFloat(want, 64)
	if errG == nil && errW == nil {
		return g == w
	}
	return got != "" && got == want
}

// checkOnline checks online.sql's output: January materialized for the
// four views, then the lookups, against the snapshots of 2024-01-31.
func checkOnline(t *testing.T, ex *example, out string) {
	t.Helper()
	for _, v := range []string{"payments_agg_90d_fv", "subs_profile_fv", "support_agg_90d_fv", "usage_agg_30d_fv"} {
		if want := v + " | 2024-01-01 00:00:00+00 | 2024-02-01 00:00:00+00 | 1000 | 1000 | 0 |"; !strings.Contains(out, want) {
			t.Errorf("MATERIALIZE lacks %q:\n%s", want, out)
		}
	}
	want := ex.direct(t, `SELECT user_id, months_active, monthly_fee, paperless_billing
		FROM subscriptions_profile_snapshots WHERE user_id = '7590-VHVEG' AND as_of = '2024-01-31'`)
	want = append(want, "7590-VHVEG | 1 | 29.85 | t") // the lab's report
	want = append(want, ex.direct(t, `SELECT s.user_id, s.as_of::timestamptz, s.months_active, s.monthly_fee,
		  s.paperless_billing, s.plan_stream_tv, s.plan_stream_movies, s.net_service, u.watch_hours_30d, p.failed_payments_90d
		FROM subscriptions_profile_snapshots s
		JOIN usage_agg_30d_snapshots u ON u.user_id = s.user_id AND u.as_of = s.as_of
		JOIN payments_agg_90d_snapshots p ON p.user_id = s.user_id AND p.as_of = s.as_of
		WHERE s.as_of = '2024-01-31' AND s.user_id IN ('7590-VHVEG', '5575-GNVDE')
		ORDER BY s.user_id DESC`)...)
	want = append(want, "0000-NOPE | | | | | | | | |", "(3 rows)")
	containsLines(t, "online.sql", out, want)
}

// startServePy runs serve.py on a free port with extra environment env,
// waits for /health and returns its URL; the process ends with the test.
func startServePy(t *testing.T, ex *example, env []string) string {
	t.Helper()
	return startPythonServer(t, "", ex.url(), "streamflow/serve.py", "/health", env...)
}

// checkEndpoint asks the lab's endpoint for the lab's user and for one
// without values.
func checkEndpoint(t *testing.T, url string) {
	t.Helper()
	for _, tc := range []struct {
		path string
		want map[string]any
	}{
		{"/health", map[string]any{"status": "ok"}},
		{"/features/7590-VHVEG", map[string]any{"user_id": "7590-VHVEG", "features": map[string]any{
			"months_active": 1.0, "monthly_fee": 29.85, "paperless_billing": true}}},
		{"/features/0000-NOPE", map[string]any{"user_id": "0000-NOPE", "features": map[string]any{
			"months_active": nil, "monthly_fee": nil, "paperless_billing": nil}}},
	} {
		got := getJSON(t, url+tc.path)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("GET %s: %v, want %v", tc.path, got, tc.want)
		}
	}
}

func getJSON(t *testing.T, url string) map[string]any {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %v", url, resp.StatusCode, err)
	}
	return out
}

// checkCurl sends the README's curl request to the HTTP API at base.
func checkCurl(t *testing.T, base string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	body := `{"features": ["subs_profile_fv:months_active", "subs_profile_fv:monthly_fee", "subs_profile_fv:paperless_billing"],
	          "entities": {"user_id": ["7590-VHVEG", "0000-NOPE"]}}`
	out, err := exec.CommandContext(ctx, "curl", "-s", "-X", "POST", base+"/get-online-features",
		"-H", "Content-Type: application/json", "-d", body).Output()
	if err != nil {
		t.Fatalf("curl: %v", err)
	}
	var resp struct {
		Metadata struct {
			FeatureNames []string `json:"feature_names"`
		} `json:"metadata"`
		Results []struct {
			Values   []any    `json:"values"`
			Statuses []string `json:"statuses"`
		} `json:"results"`
	}
	if err := json.Unmarshal(out, &resp); err != nil {
		t.Fatalf("curl: %v\n%s", err, out)
	}
	got := fmt.Sprint(resp.Metadata.FeatureNames, resp.Results)
	want := "[user_id months_active monthly_fee paperless_billing] [{[7590-VHVEG 0000-NOPE] [PRESENT PRESENT]} " +
		"{[1 <nil>] [PRESENT NOT_FOUND]} {[29.85 <nil>] [PRESENT NOT_FOUND]} {[true <nil>] [PRESENT NOT_FOUND]}]"
	if got != want {
		t.Errorf("POST /get-online-features:\n%s\nwant\n%s\n%s", got, want, out)
	}
}
