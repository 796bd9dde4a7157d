package examples

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// StreamFlowTelcoSQL is StreamFlowSQL over the customers of IBM's Telco
// Customer Churn dataset (the CSV the lab's users come from, with its
// header line): profiles and churn labels are the dataset's, the usage,
// payment and support aggregates are drawn as StreamFlowSQL draws them. A
// customer of telcoHead gets the same rows in both.
func StreamFlowTelcoSQL(r io.Reader, seed int64) (string, error) {
	customers, err := readTelco(r)
	if err != nil {
		return "", err
	}
	return streamFlowSQL(customers, seed, fmt.Sprintf("examples.StreamFlowTelcoSQL(<the telco CSV>, %d)", seed)), nil
}

// telcoColumns are the dataset's columns that StreamFlow reads.
var telcoColumns = []string{"customerID", "gender", "SeniorCitizen", "tenure", "InternetService",
	"StreamingTV", "StreamingMovies", "PaperlessBilling", "MonthlyCharges", "Churn"}

// readTelco reads the dataset's customers.
func readTelco(r io.Reader) ([]customer, error) {
	cr := csv.NewReader(r)
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("telco CSV: %w", err)
	}
	idx := map[string]int{}
	for i, h := range header {
		idx[strings.TrimPrefix(strings.TrimSpace(h), "\ufeff")] = i
	}
	for _, c := range telcoColumns {
		if _, ok := idx[c]; !ok {
			return nil, fmt.Errorf("telco CSV: no column %s in the header", c)
		}
	}
	var out []customer
	for line := 2; ; line++ {
		rec, err := cr.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("telco CSV: %w", err)
		}
		c, err := telcoCustomer(func(col string) string { return strings.TrimSpace(rec[idx[col]]) })
		if err != nil {
			return nil, fmt.Errorf("telco CSV line %d: %w", line, err)
		}
		out = append(out, c)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("telco CSV: no customers")
	}
	return out, nil
}

// telcoCustomer converts one record, read through get by column name.
func telcoCustomer(get func(string) string) (customer, error) {
	c := customer{id: get("customerID"), gender: get("gender"), netService: get("InternetService"),
		senior: get("SeniorCitizen") == "1", paperless: get("PaperlessBilling") == "Yes",
		streamTV: get("StreamingTV") == "Yes", streamMovies: get("StreamingMovies") == "Yes",
		churn: get("Churn") == "Yes"}
	var err error
	if c.tenure, err = strconv.Atoi(get("tenure")); err != nil {
		return c, fmt.Errorf("tenure: %w", err)
	}
	if c.monthlyFee, err = strconv.ParseFloat(get("MonthlyCharges"), 64); err != nil {
		return c, fmt.Errorf("MonthlyCharges: %w", err)
	}
	if c.id == "" {
		return c, fmt.Errorf("empty customerID")
	}
	return c, nil
}
