package catalog

import (
	"fmt"
	"testing"
)

func num(name string, nulls, lo, hi, mean, sd float64) ColumnProfile {
	l, h := fmt.Sprint(lo), fmt.Sprint(hi)
	return ColumnProfile{Name: name, Type: "double precision", Class: ClassNumber, NullFraction: nulls,
		Min: &l, Max: &h, Mean: &mean, StdDev: &sd}
}

func cat(name string, distinct int64, top ...TopValue) ColumnProfile {
	return ColumnProfile{Name: name, Type: "text", Class: ClassCategory, Distinct: &distinct, Top: top}
}

// TestCompare checks each check's verdict at and past its threshold.
func TestCompare(t *testing.T) {
	ref := &Profile{Rows: 100, Columns: []ColumnProfile{num("x", 0.1, 0, 10, 5, 2), cat("c", 2, TopValue{"a", 60}, TopValue{"b", 40})}}
	tests := []struct {
		name    string
		cur     []ColumnProfile
		th      Thresholds
		drifted []string // column/check
	}{
		{"identical", ref.Columns, DefaultThresholds, nil},
		{"nulls within", []ColumnProfile{num("x", 0.15, 0, 10, 5, 2), ref.Columns[1]}, DefaultThresholds, nil},
		{"nulls past", []ColumnProfile{num("x", 0.16, 0, 10, 5, 2), ref.Columns[1]}, DefaultThresholds, []string{"x/null_fraction"}},
		{"mean within", []ColumnProfile{num("x", 0.1, 0, 10, 6, 2), ref.Columns[1]}, DefaultThresholds, nil},
		{"mean past", []ColumnProfile{num("x", 0.1, 0, 10, 6.2, 2), ref.Columns[1]}, DefaultThresholds, []string{"x/mean_shift"}},
		{"range past", []ColumnProfile{num("x", 0.1, -1, 10, 5, 2), ref.Columns[1]}, DefaultThresholds, []string{"x/range"}},
		{"range within slack", []ColumnProfile{num("x", 0.1, -1, 11, 5, 2), ref.Columns[1]}, Thresholds{NullFraction: 0.05, Range: 0.1, MeanShift: 0.5}, nil},
		{"new category", []ColumnProfile{ref.Columns[0], cat("c", 3, TopValue{"a", 50}, TopValue{"b", 40}, TopValue{"z", 10})}, DefaultThresholds, []string{"c/new_categories"}},
		{"new category allowed", []ColumnProfile{ref.Columns[0], cat("c", 3, TopValue{"a", 50}, TopValue{"b", 40}, TopValue{"z", 10})}, Thresholds{NewCategories: 0.1, MeanShift: 0.5, NullFraction: 0.05}, nil},
		{"type", []ColumnProfile{{Name: "x", Type: "bigint", Class: ClassNumber}, ref.Columns[1]}, DefaultThresholds, []string{"x/type"}},
		{"missing and new", []ColumnProfile{ref.Columns[0], cat("d", 1)}, DefaultThresholds, []string{"c/column", "d/column"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var got []string
			for _, c := range Compare(ref, &Profile{Rows: 100, Columns: tt.cur}, tt.th) {
				if c.Drifted {
					got = append(got, c.Column+"/"+c.Check)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.drifted) {
				t.Errorf("drifted %v, want %v", got, tt.drifted)
			}
		})
	}
}
