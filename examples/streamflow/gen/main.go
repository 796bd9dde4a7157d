// Command gen writes StreamFlow's data.sql: the tables of the course lab
// (seed 004) with synthetic users, or with the customers of the telco
// churn dataset when given its CSV.
//
//	go run ./examples/streamflow/gen > examples/streamflow/data.sql
//	go run ./examples/streamflow/gen -users 5000 -seed 7 > /tmp/streamflow.sql
//	go run ./examples/streamflow/gen -telco telco-customer-churn.csv > /tmp/streamflow.sql
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/featuregate/featuregate/examples"
)

func main() {
	users := flag.Int("users", examples.StreamFlowUsers, "number of synthetic users")
	seed := flag.Int64("seed", examples.StreamFlowSeed, "seed of the generated values")
	telco := flag.String("telco", "", "the telco churn CSV: take the users from it instead")
	flag.Parse()
	sql, err := generate(*users, *seed, *telco)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	if _, err := os.Stdout.WriteString(sql); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

func generate(users int, seed int64, telco string) (string, error) {
	if telco == "" {
		return examples.StreamFlowSQL(users, seed), nil
	}
	f, err := os.Open(telco)
	if err != nil {
		return "", err
	}
	defer f.Close()
	return examples.StreamFlowTelcoSQL(f, seed)
}
