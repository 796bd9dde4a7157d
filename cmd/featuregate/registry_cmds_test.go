package main

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// appliedStreamFlow returns a database whose project streamflow holds the
// StreamFlow repo, and the flags that name it.
func appliedStreamFlow(t *testing.T) (dsn string, reg []string) {
	t.Helper()
	dsn = streamFlowDB(t)
	reg = []string{"--offline", dsn, "--project", "streamflow"}
	mustFG(t, append([]string{"apply", streamFlowRepo}, reg...)...)
	return dsn, reg
}

func TestListTable(t *testing.T) {
	_, reg := appliedStreamFlow(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"entities", "list"}, `
name  join_keys     comment
user  user_id text  StreamFlow customer
`},
		{[]string{"feature-services", "list"}, `
name      features                                                                                      comment
churn_v1  subs_profile_fv.*, usage_agg_30d_fv.watch_hours_30d, payments_agg_90d_fv.failed_payments_90d  churn model v1
`},
		{[]string{"sources", "list"}, `
name                     timestamp_column  created_column  definition                                                                                                                                                  comment
payments_agg_90d_source  as_of                             TABLE payments_agg_90d_snapshots
subs_profile_source      as_of                             SELECT user_id, as_of, months_active, monthly_fee, paperless_billing, plan_stream_tv, plan_stream_movies, net_service FROM subscriptions_profile_snapshots
support_agg_90d_source   as_of                             TABLE support_agg_90d_snapshots                                                                                                                             support ticket aggregates
usage_agg_30d_source     as_of                             TABLE usage_agg_30d_snapshots
`},
		{[]string{"feature-views", "list"}, `
name                 entity  source                   features  ttl   online  tags                comment
payments_agg_90d_fv  user    payments_agg_90d_source  1         NONE  true    owner=mlops-course  recent payments, last 90 days
subs_profile_fv      user    subs_profile_source      6         NONE  true    owner=mlops-course  subscription profile
support_agg_90d_fv   user    support_agg_90d_source   2         NONE  true    owner=mlops-course  support interactions, last 90 days
usage_agg_30d_fv     user    usage_agg_30d_source     5         NONE  true    owner=mlops-course  platform usage, last 30 days
`},
		{[]string{"features", "list", "--view", "payments_agg_90d_fv"}, `
feature_view         feature              type    full_name                                 check
payments_agg_90d_fv  failed_payments_90d  bigint  payments_agg_90d_fv__failed_payments_90d
`},
		{[]string{"projects", "list"}, `
project
streamflow
`},
	}
	for _, tt := range tests {
		args := append(tt.args, reg...)
		if tt.args[0] == "projects" {
			args = append(tt.args, reg[:2]...)
		}
		if out := mustFG(t, args...); out != tt.want[1:] {
			t.Errorf("featuregate %s:\n%s\nwant\n%s", strings.Join(tt.args, " "), out, tt.want[1:])
		}
	}
	if a, b := mustFG(t, append([]string{"data-sources", "list"}, reg...)...), mustFG(t, append([]string{"sources", "list"}, reg...)...); a != b {
		t.Errorf("data-sources list (Feast's name) differs from sources list:\n%s\n%s", a, b)
	}
	if out := mustFG(t, "entities", "list", "--offline", reg[1], "--project", "nothing_here"); out != "name  join_keys  comment\n" {
		t.Errorf("entities list of an empty project: %q", out)
	}
}

func TestDescribeTable(t *testing.T) {
	_, reg := appliedStreamFlow(t)
	want := `name              subs_profile_source
timestamp_column  as_of
created_column    
definition        SELECT user_id, as_of, months_active, monthly_fee, paperless_billing,
                           plan_stream_tv, plan_stream_movies, net_service
                    FROM subscriptions_profile_snapshots
comment           
statement         CREATE SOURCE subs_profile_source TIMESTAMP COLUMN as_of AS SELECT user_id, as_of, months_active, monthly_fee, paperless_billing,
                           plan_stream_tv, plan_stream_movies, net_service
                    FROM subscriptions_profile_snapshots;
`
	if out := mustFG(t, append([]string{"sources", "describe", "subs_profile_source"}, reg...)...); out != want {
		t.Errorf("sources describe:\n%s\nwant\n%s", out, want)
	}
}

func TestListJSONAndYAML(t *testing.T) {
	_, reg := appliedStreamFlow(t)
	out := mustFG(t, append([]string{"feature-views", "list", "-o", "json"}, reg...)...)
	var views []map[string]any
	if err := json.Unmarshal([]byte(out), &views); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(views) != 4 || views[1]["name"] != "subs_profile_fv" || views[1]["features"] != 6.0 ||
		views[1]["online"] != true || views[1]["ttl"] != "NONE" || views[0]["tags"] != "owner=mlops-course" {
		t.Errorf("feature-views list -o json:\n%s", out)
	}
	if !strings.HasPrefix(out, "[\n  {\n    \"name\": \"payments_agg_90d_fv\",\n    \"entity\": \"user\",") {
		t.Errorf("JSON keys are not in the columns' order:\n%s", out)
	}

	out = mustFG(t, append([]string{"features", "list", "-o", "yaml"}, reg...)...)
	var feats []map[string]any
	if err := yaml.Unmarshal([]byte(out), &feats); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(feats) != 14 || feats[0]["feature_view"] != "payments_agg_90d_fv" || feats[0]["check"] != nil {
		t.Errorf("features list -o yaml:\n%s", out)
	}
	if !strings.HasPrefix(out, "- feature_view: payments_agg_90d_fv\n  feature: failed_payments_90d\n") {
		t.Errorf("YAML keys are not in the columns' order:\n%s", out)
	}
	if out := mustFG(t, "entities", "list", "-o", "yaml", "--offline", reg[1], "--project", "none"); out != "[]\n" {
		t.Errorf("empty yaml list: %q", out)
	}
	if out := mustFG(t, "entities", "list", "-o", "json", "--offline", reg[1], "--project", "none"); out != "[]\n" {
		t.Errorf("empty json list: %q", out)
	}
}

func TestDescribeJSONAndYAML(t *testing.T) {
	_, reg := appliedStreamFlow(t)
	out := mustFG(t, append([]string{"entities", "describe", "user", "-o", "json"}, reg...)...)
	want := `{
  "name": "user",
  "join_keys": "user_id text",
  "comment": "StreamFlow customer",
  "statement": "CREATE ENTITY \"user\" (user_id text) COMMENT 'StreamFlow customer';"
}
`
	if out != want {
		t.Errorf("entities describe -o json:\n%s\nwant\n%s", out, want)
	}
	out = mustFG(t, append([]string{"feature-services", "describe", "churn_v1", "-o", "yaml"}, reg...)...)
	var svc map[string]string
	if err := yaml.Unmarshal([]byte(out), &svc); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if svc["name"] != "churn_v1" || svc["comment"] != "churn model v1" ||
		!strings.HasPrefix(svc["statement"], "CREATE FEATURE SERVICE churn_v1 AS subs_profile_fv.*, ") {
		t.Errorf("feature-services describe -o yaml:\n%s", out)
	}
	out = mustFG(t, append([]string{"feature-views", "describe", "support_agg_90d_fv", "-o", "yaml"}, reg...)...)
	if !strings.Contains(out, "features: 2\n") || !strings.Contains(out, "online: true\n") {
		t.Errorf("feature-views describe -o yaml:\n%s", out)
	}
}

func TestCatalogCmdErrors(t *testing.T) {
	_, reg := appliedStreamFlow(t)
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"entities", "describe", "driver"}, "entity \"driver\" does not exist in project \"streamflow\"\n  hint: featuregate entities list shows them."},
		{[]string{"feature-views", "describe", "churn_v1"}, "feature view \"churn_v1\" does not exist in project \"streamflow\""},
		{[]string{"features", "list", "--view", "nope"}, "feature view \"nope\" does not exist"},
		{[]string{"entities", "list", "-o", "xml"}, "unknown output format \"xml\": use -o table, json or yaml"},
		{[]string{"entities", "describe"}, "accepts 1 arg(s), received 0"},
	}
	for _, tt := range tests {
		if _, err := fg(append(tt.args, reg...)...); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("featuregate %s: %v, want %q", strings.Join(tt.args, " "), err, tt.want)
		}
	}
	if _, err := fg("entities", "list", "--offline", reg[1]); err == nil || !strings.Contains(err.Error(), "no project: pass --project NAME") {
		t.Errorf("entities list without a project: %v", err)
	}
	if _, err := fg("projects", "list"); err == nil || !strings.Contains(err.Error(), "no registry: pass --offline") {
		t.Errorf("projects list without a registry: %v", err)
	}
}

// TestCatalogCmdsConfig: --config names the registry and the project;
// flags override it.
func TestCatalogCmdsConfig(t *testing.T) {
	dsn, _ := appliedStreamFlow(t)
	cfg := filepath.Join(t.TempDir(), "featuregate.yaml")
	writeFile(t, filepath.Dir(cfg), "featuregate.yaml", fmt.Sprintf("project: streamflow\noffline:\n  dsn: %s\n", dsn))
	if out := mustFG(t, "--config", cfg, "entities", "list"); !strings.Contains(out, "user  user_id text") {
		t.Errorf("entities list --config: %q", out)
	}
	if out := mustFG(t, "entities", "list", "--config", cfg, "--project", "other"); out != "name  join_keys  comment\n" {
		t.Errorf("--project over --config: %q", out)
	}
}

func TestRegistryDump(t *testing.T) {
	dsn, reg := appliedStreamFlow(t)
	dir := copyRepo(t)
	editRepo(t, dir, "entities.sql", "'StreamFlow customer'", "'a StreamFlow customer'")
	mustFG(t, append([]string{"apply", dir}, reg...)...)
	mustFG(t, "apply", streamFlowRepo, "--offline", dsn, "--project", "another")

	var dump registryJSON
	out := mustFG(t, append([]string{"registry-dump"}, reg...)...)
	if err := json.Unmarshal([]byte(out), &dump); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if len(dump.Projects) != 1 {
		t.Fatalf("registry-dump --project: %d projects", len(dump.Projects))
	}
	p := dump.Projects[0]
	if p.Project != "streamflow" || p.Version != 2 || len(p.Objects) != 10 || len(p.History) != 2 {
		t.Fatalf("registry-dump: project %q version %d, %d objects, %d versions", p.Project, p.Version, len(p.Objects), len(p.History))
	}
	abs, _ := filepath.Abs(streamFlowRepo)
	h := p.History[0]
	if h.Version != 1 || h.Who == "" || h.At.IsZero() ||
		!strings.HasPrefix(h.Statement, "featuregate apply "+abs+"\n\n-- data_sources.sql\n") ||
		!strings.Contains(h.Statement, "\n-- entities.sql\n-- StreamFlow: the entity") {
		t.Errorf("history entry 1: %+v", h)
	}
	if !strings.HasPrefix(p.History[1].Statement, "featuregate apply "+dir+"\n") {
		t.Errorf("history entry 2: %q", p.History[1].Statement)
	}
	e := p.Objects[0]
	fields, _ := e.Fields.(map[string]any)
	if e.Kind != "ENTITY" || e.Name != "user" || e.SQL != `CREATE ENTITY "user" (user_id text) COMMENT 'a StreamFlow customer';` ||
		fields["comment"] != "a StreamFlow customer" || fmt.Sprint(fields["keys"]) != "[map[name:user_id type:text]]" {
		t.Errorf("entity: %+v", e)
	}
	if src, _ := p.Objects[2].Fields.(map[string]any); src["timestamp_column"] != "as_of" {
		t.Errorf("source fields: %v", p.Objects[2].Fields)
	}

	out = mustFG(t, "registry-dump", "--offline", dsn)
	dump = registryJSON{}
	if err := json.Unmarshal([]byte(out), &dump); err != nil {
		t.Fatal(err)
	}
	if len(dump.Projects) != 2 || dump.Projects[0].Project != "another" || dump.Projects[1].Project != "streamflow" {
		t.Errorf("registry-dump of every project: %d projects", len(dump.Projects))
	}
}

func TestSnakeCase(t *testing.T) {
	for in, want := range map[string]string{
		"Name": "name", "TTL": "ttl", "TimestampColumn": "timestamp_column", "ID": "id", "HTTPServer": "http_server",
	} {
		if got := snakeCase(in); got != want {
			t.Errorf("snakeCase(%q) = %q, want %q", in, got, want)
		}
	}
}
