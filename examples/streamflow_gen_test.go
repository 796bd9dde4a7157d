package examples_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/featuregate/featuregate/examples"
)

// TestStreamFlowDataIsGenerated: the committed streamflow/data.sql, which
// `featuregate demo` and `init` ship, is exactly the generator's output.
func TestStreamFlowDataIsGenerated(t *testing.T) {
	committed, err := examples.FS.ReadFile("streamflow/data.sql")
	if err != nil {
		t.Fatal(err)
	}
	if string(committed) != examples.StreamFlowSQL(examples.StreamFlowUsers, examples.StreamFlowSeed) {
		t.Fatal("streamflow/data.sql is not the generator's output: run go run ./examples/streamflow/gen > examples/streamflow/data.sql")
	}
}

// tableRows returns the rows of table's INSERT statements in sql, one
// "(…)" per row, over all batches.
func tableRows(sql, table string) []string {
	var rows []string
	for _, stmt := range strings.Split(sql, "\nINSERT INTO "+table+" VALUES\n")[1:] {
		stmt, _, _ = strings.Cut(stmt, ";\n")
		rows = append(rows, strings.Split(stmt, ",\n")...)
	}
	return rows
}

// rowsOf keeps the rows of user id.
func rowsOf(rows []string, id string) []string {
	var out []string
	for _, r := range rows {
		if strings.HasPrefix(r, "('"+id+"',") {
			out = append(out, r)
		}
	}
	return out
}

var snapshotTables = []string{"subscriptions_profile_snapshots", "usage_agg_30d_snapshots",
	"payments_agg_90d_snapshots", "support_agg_90d_snapshots"}

var telcoID = regexp.MustCompile(`^\('(\d{4}-[A-Z]{5})',`)

// TestStreamFlowSQL checks the generator's shape: the lab's users first,
// ids in the telco format and distinct, one row per user in users and
// labels and two (the two month ends) in each snapshot table, the same
// text for the same arguments.
func TestStreamFlowSQL(t *testing.T) {
	for _, tc := range []struct {
		users, want int
		seed        int64
	}{{1, 2, 1}, {2, 2, 1}, {50, 50, 1}, {300, 300, 9}} {
		sql := examples.StreamFlowSQL(tc.users, tc.seed)
		if again := examples.StreamFlowSQL(tc.users, tc.seed); again != sql {
			t.Fatalf("StreamFlowSQL(%d, %d) differs from one call to the next", tc.users, tc.seed)
		}
		users := tableRows(sql, "users")
		if len(users) != tc.want {
			t.Fatalf("StreamFlowSQL(%d, %d): %d users, want %d", tc.users, tc.seed, len(users), tc.want)
		}
		var ids []string
		for _, u := range users {
			m := telcoID.FindStringSubmatch(u)
			if m == nil {
				t.Fatalf("user row %s: the id is not in the telco format", u)
			}
			ids = append(ids, m[1])
		}
		if ids[0] != "7590-VHVEG" || ids[1] != "5575-GNVDE" {
			t.Errorf("the first users are %v, not the lab's 7590-VHVEG and 5575-GNVDE", ids[:2])
		}
		if sorted := slices.Compact(slices.Sorted(slices.Values(ids))); len(sorted) != len(ids) {
			t.Errorf("StreamFlowSQL(%d, %d): %d distinct ids among %d users", tc.users, tc.seed, len(sorted), len(ids))
		}
		for _, table := range snapshotTables {
			rows := tableRows(sql, table)
			if len(rows) != 2*tc.want {
				t.Errorf("%s has %d rows, want %d", table, len(rows), 2*tc.want)
			}
			last := rowsOf(rows, ids[len(ids)-1])
			if len(last) != 2 || !strings.Contains(last[0], "'2024-01-31'") || !strings.Contains(last[1], "'2024-02-29'") {
				t.Errorf("%s: the last user's rows are %v, want one at 2024-01-31 and one at 2024-02-29", table, last)
			}
		}
		if n := len(tableRows(sql, "labels")); n != tc.want {
			t.Errorf("labels has %d rows, want %d", n, tc.want)
		}
	}
	if examples.StreamFlowSQL(50, 1) == examples.StreamFlowSQL(50, 2) {
		t.Error("the seed changes nothing")
	}
}

// TestStreamFlowTelcoSQL reads the head of the telco dataset: profiles
// and labels are the dataset's, and a user of both the dataset and the
// synthetic set (7590-VHVEG) gets the same rows from both.
func TestStreamFlowTelcoSQL(t *testing.T) {
	f, err := os.Open("testdata/telco_head.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sql, err := examples.StreamFlowTelcoSQL(f, 1)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(tableRows(sql, "users")); n != 4 {
		t.Fatalf("%d users from the 4 customers of telco_head.csv", n)
	}
	synthetic := examples.StreamFlowSQL(10, 1)
	for _, table := range append([]string{"users", "labels"}, snapshotTables...) {
		got, want := rowsOf(tableRows(sql, table), "7590-VHVEG"), rowsOf(tableRows(synthetic, table), "7590-VHVEG")
		if len(got) == 0 || !slices.Equal(got, want) {
			t.Errorf("%s: 7590-VHVEG has %v from the dataset, %v synthetic", table, got, want)
		}
	}
	// 3668-QPYBK: tenure 2, MonthlyCharges 53.85, PaperlessBilling Yes, DSL, Churn Yes.
	for _, want := range []string{
		"('3668-QPYBK', '2024-01-31', 2, 53.85, true, false, false, 'DSL')",
		"('3668-QPYBK', '2024-02-29', 3, 53.85, true, false, false, 'DSL')",
		"('3668-QPYBK', true)",
		"('3668-QPYBK', '2023-11-30', 'Male', false)",
	} {
		if !strings.Contains(sql, want) {
			t.Errorf("the SQL lacks %s", want)
		}
	}
}

// TestStreamFlowTelcoErrors: a CSV that is not the dataset is refused
// with what is wrong and where.
func TestStreamFlowTelcoErrors(t *testing.T) {
	head := "customerID,gender,SeniorCitizen,tenure,InternetService,StreamingTV,StreamingMovies,PaperlessBilling,MonthlyCharges,Churn\n"
	for _, tc := range []struct{ csv, want string }{
		{"", "telco CSV: EOF"},
		{head, "telco CSV: no customers"},
		{"customerID,gender\n1-A,Male\n", "no column SeniorCitizen"},
		{head + "1-A,Male,0,1,DSL,No,No,Yes,20.5,No\n1-B,Male,0,x,DSL,No,No,Yes,20.5,No\n", "telco CSV line 3: tenure"},
		{head + "1-A,Male,0,1,DSL,No,No,Yes,cheap,No\n", "telco CSV line 2: MonthlyCharges"},
		{head + ",Male,0,1,DSL,No,No,Yes,20.5,No\n", "telco CSV line 2: empty customerID"},
	} {
		_, err := examples.StreamFlowTelcoSQL(strings.NewReader(tc.csv), 1)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("CSV %q: error %v, want %q", tc.csv, err, tc.want)
		}
	}
}

// TestNames: every example ships its data, its repo and its README.
func TestNames(t *testing.T) {
	if got := examples.Names(); !slices.Equal(got, []string{"biometrics", "local", "quickstart", "streamflow"}) {
		t.Fatalf("Names() = %v", got)
	}
	for _, name := range examples.Names() {
		for _, f := range []string{"/data.sql", "/README.md"} {
			if b, err := examples.FS.ReadFile(name + f); err != nil || len(b) == 0 {
				t.Errorf("%s%s: %v", name, f, err)
			}
		}
		if entries, err := examples.FS.ReadDir(name + "/repo"); err != nil || len(entries) == 0 {
			t.Errorf("%s/repo: %d files, %v", name, len(entries), err)
		}
	}
}
