package examples_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// TestBiometrics runs seed 000's example as examples/biometrics/README.md
// says: train.py (the training set through featuregate, a random forest),
// MATERIALIZE with psql (CHECK rejections reported), predict.py (online
// features through featuregate), each checked against PostgreSQL queried
// directly.
func TestBiometrics(t *testing.T) {
	ex := startExample(t, "biometrics")
	dir := t.TempDir()

	out := runPython(t, dir, ex.url(), nil, "biometrics/train.py")
	t.Logf("train.py:\n%s", out)
	labels := ex.direct(t, "SELECT count(*) FROM health_labels")
	broken := ex.direct(t, `SELECT count(*) FROM health_labels l
		CROSS JOIN LATERAL (SELECT * FROM user_biometrics b WHERE b.user_id = l.user_id
		  AND b.event_timestamp <= l.event_timestamp ORDER BY b.event_timestamp DESC LIMIT 1) b
		WHERE NOT (b.heart_rate BETWEEN 40 AND 200 AND b.body_temperature BETWEEN 35 AND 42)`)
	for _, want := range []string{
		fmt.Sprintf("training set: %s rows", labels[0]),
		fmt.Sprintf("dropped %s rows that break the CHECK rules", broken[0]),
		"[OK] Saved the model to models/health_status_model.pkl",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("train.py's output lacks %q", want)
		}
	}
	if broken[0] == "0" {
		t.Error("data.sql has no reading that breaks a CHECK rule in the training set")
	}
	if acc := scoreIn(out, "Test accuracy"); acc < 0.8 {
		t.Errorf("test accuracy %.3f: the model learned nothing", acc)
	}
	if _, err := os.Stat(filepath.Join(dir, "models", "health_status_model.pkl")); err != nil {
		t.Fatal(err)
	}

	// The newest reading of each user decides: it is served, or rejected.
	latest := ex.direct(t, `SELECT user_id,
		  heart_rate BETWEEN 40 AND 200 AND body_temperature BETWEEN 35 AND 42,
		  heart_rate > 100 OR blood_pressure_systolic > 140 OR body_temperature > 37.5 OR oxygen_saturation < 95
		FROM (SELECT DISTINCT ON (user_id) * FROM user_biometrics
		      ORDER BY user_id, event_timestamp DESC) AS b`)
	rejected := 0
	for _, l := range latest {
		if strings.Split(l, " | ")[1] == "f" {
			rejected++
		}
	}
	mat := normalize(runPsql(t, ex.gw.DSN("demo", "biometrics"), "-c", "MATERIALIZE INCREMENTAL TO now()"))
	want := fmt.Sprintf(`(?m)^user_biometric_features \| \| [-0-9 :.+]+ \| %d \| %d \| %d \| [0-9.e-]+$`,
		len(latest), len(latest)-rejected, rejected)
	if rejected == 0 || !regexp.MustCompile(want).MatchString(mat) {
		t.Errorf("MATERIALIZE does not report %d of %d rows rejected:\n%s", rejected, len(latest), mat)
	}

	checkPredictions(t, ex, dir, latest)
	checkServeModel(t, ex, dir)
}

// checkServeModel runs seed 000's FastAPI app, serve_model.py, and asks
// POST /predict what predict.py prints for the README's users that have
// features; a user without any is 404.
func checkServeModel(t *testing.T, ex *example, dir string) {
	t.Helper()
	users := []string{"user_1", "user_5", "user_13", "user_17"}
	want := map[string]string{}
	for u, p := range predictionLines(runPython(t, dir, ex.url(), nil, "biometrics/predict.py", users...)) {
		if p != "" {
			want[u] = p
		}
	}
	url := startPythonServer(t, dir, ex.url(), "biometrics/serve_model.py", "/health")
	var served []string
	for u := range want {
		served = append(served, u)
	}
	body, _ := json.Marshal(map[string]any{"user_ids": served})
	resp, err := http.Post(url+"/predict", "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		Predictions map[string]map[string]float64 `json:"predictions"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("POST /predict: %d %v", resp.StatusCode, err)
	}
	for u, w := range want {
		p := out.Predictions[u]
		if got := fmt.Sprintf("normal %.2f, abnormal %.2f", p["normal_probability"], p["abnormal_probability"]); got != w {
			t.Errorf("POST /predict %s: %s, predict.py says %s", u, got, w)
		}
	}
	resp, err = http.Post(url+"/predict", "application/json", strings.NewReader(`{"user_ids": ["user_404"]}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("POST /predict of a user without features: %d, want 404", resp.StatusCode)
	}
}

// predictionLines reads predict.py's lines: user to "normal 0.93,
// abnormal 0.07", or "" for no prediction.
func predictionLines(out string) map[string]string {
	got := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^(user_\d+): (?:no valid online features|(?:normal|abnormal) \((normal [01]\.\d\d, abnormal [01]\.\d\d)\))$`).FindAllStringSubmatch(out, -1) {
		got[m[1]] = m[2]
	}
	return got
}

// checkPredictions runs predict.py as the README does, then for every user
// and one unknown: a user whose newest reading broke a rule, and the
// unknown one, get no prediction; the others get one, which agrees with
// the labels' rule for nearly all of them.
func checkPredictions(t *testing.T, ex *example, dir string, latest []string) {
	t.Helper()
	args := []string{}
	want := map[string]string{"user_404": "none"}
	for _, l := range latest {
		cells := strings.Split(l, " | ")
		args = append(args, cells[0])
		switch {
		case cells[1] == "f":
			want[cells[0]] = "none"
		case cells[2] == "t":
			want[cells[0]] = "abnormal"
		default:
			want[cells[0]] = "normal"
		}
	}
	args = append(args, "user_404")

	readme := []string{"user_1", "user_5", "user_13", "user_17", "user_404"} // the README's command
	got := predictions(t, runPython(t, dir, ex.url(), nil, "biometrics/predict.py", readme...))
	for _, u := range readme {
		if g, ok := got[u]; !ok || (g == "none") != (want[u] == "none") {
			t.Errorf("predict.py %s: %s: %q, want a prediction: %v", strings.Join(readme, " "), u, g, want[u] != "none")
		}
	}

	out := runPython(t, dir, ex.url(), nil, "biometrics/predict.py", args...)
	got = predictions(t, out)
	if len(got) != len(want) {
		t.Fatalf("predict.py printed %d users, want %d:\n%s", len(got), len(want), out)
	}
	agree, served := 0, 0
	for u, w := range want {
		switch {
		case (w == "none") != (got[u] == "none"):
			t.Errorf("%s: predict.py says %q, want %q", u, got[u], w)
		case w != "none":
			served++
			if got[u] == w {
				agree++
			}
		}
	}
	if served == 0 || float64(agree) < 0.9*float64(served) {
		t.Errorf("predictions agree with the labels' rule for %d of %d users:\n%s", agree, served, out)
	}
}

// predictions reads predict.py's lines: user to normal, abnormal or none.
func predictions(t *testing.T, out string) map[string]string {
	t.Helper()
	line := regexp.MustCompile(`(?m)^(user_\d+): (?:no valid online features|(normal|abnormal) \(normal [01]\.\d\d, abnormal [01]\.\d\d\))$`)
	got := map[string]string{}
	for _, m := range line.FindAllStringSubmatch(out, -1) {
		got[m[1]] = m[2]
		if m[2] == "" {
			got[m[1]] = "none"
		}
	}
	return got
}
