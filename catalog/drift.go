package catalog

import (
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Thresholds bound how far a profile may move from its reference before
// a check reports drift (VALIDATE … WITH (…)).
type Thresholds struct {
	// NullFraction is the largest change of a column's null fraction, in
	// absolute terms (0.05: five percentage points).
	NullFraction float64
	// Range is how far a number column's min and max may fall outside the
	// reference's, as a fraction of the reference's max - min.
	Range float64
	// MeanShift is the largest move of a number column's mean, in
	// reference standard deviations.
	MeanShift float64
	// NewCategories is the largest fraction of rows whose text or boolean
	// value the reference never held.
	NewCategories float64
}

// DefaultThresholds are the thresholds VALIDATE uses unless told others.
var DefaultThresholds = Thresholds{NullFraction: 0.05, Range: 0, MeanShift: 0.5, NewCategories: 0}

// Set sets the threshold called name (null_fraction, range, mean_shift,
// new_categories); it reports false for an unknown name.
func (t *Thresholds) Set(name string, v float64) bool {
	switch name {
	case "null_fraction":
		t.NullFraction = v
	case "range":
		t.Range = v
	case "mean_shift":
		t.MeanShift = v
	case "new_categories":
		t.NewCategories = v
	default:
		return false
	}
	return true
}

// Check is the outcome of one comparison of a column with its reference.
type Check struct {
	Column    string
	Check     string // column, type, null_fraction, range, mean_shift or new_categories
	Reference string
	Current   string
	Threshold *float64 // nil for the column and type checks, which allow no change
	Drifted   bool
}

// Compare checks each column of the reference profile ref against cur:
// present, same type, null fraction, and by class the range and mean of
// numbers or the new values of categories. Columns only cur has are
// reported as drift too. The checks come in the reference's column order.
func Compare(ref, cur *Profile, th Thresholds) []Check {
	var out []Check
	for i := range ref.Columns {
		r := &ref.Columns[i]
		c := cur.Column(r.Name)
		if c == nil {
			out = append(out, Check{Column: r.Name, Check: "column", Reference: r.Type, Current: "missing", Drifted: true})
			continue
		}
		if c.Type != r.Type {
			out = append(out, Check{Column: r.Name, Check: "type", Reference: r.Type, Current: c.Type, Drifted: true})
			continue
		}
		out = append(out, nullCheck(r, c, th.NullFraction))
		switch r.Class {
		case ClassNumber:
			out = append(out, rangeCheck(r, c, th.Range), meanCheck(r, c, th.MeanShift))
		case ClassCategory:
			out = append(out, categoryCheck(r, c, cur.Rows, th.NewCategories))
		}
	}
	for _, c := range cur.Columns {
		if ref.Column(c.Name) == nil {
			out = append(out, Check{Column: c.Name, Check: "column", Reference: "missing", Current: c.Type, Drifted: true})
		}
	}
	return out
}

func ptr(f float64) *float64 { return &f }

// formatFloat prints f briefly.
func formatFloat(f float64) string { return strconv.FormatFloat(f, 'g', 6, 64) }

func nullCheck(r, c *ColumnProfile, th float64) Check {
	return Check{Column: r.Name, Check: "null_fraction", Reference: formatFloat(r.NullFraction),
		Current: formatFloat(c.NullFraction), Threshold: ptr(th),
		Drifted: math.Abs(c.NullFraction-r.NullFraction) > th+1e-12}
}

// rangeCheck flags a current min or max outside the reference's range,
// widened on each side by th times its width.
func rangeCheck(r, c *ColumnProfile, th float64) Check {
	ch := Check{Column: r.Name, Check: "range", Reference: rangeText(r), Current: rangeText(c), Threshold: ptr(th)}
	rmin, rmax, okR := bounds(r)
	cmin, cmax, okC := bounds(c)
	if okR && okC {
		slack := th * (rmax - rmin)
		ch.Drifted = cmin < rmin-slack || cmax > rmax+slack
	} else {
		ch.Drifted = okC && !okR // values where the reference had none
	}
	return ch
}

func rangeText(p *ColumnProfile) string {
	if p.Min == nil || p.Max == nil {
		return "no values"
	}
	return "[" + *p.Min + ", " + *p.Max + "]"
}

func bounds(p *ColumnProfile) (lo, hi float64, ok bool) {
	if p.Min == nil || p.Max == nil {
		return 0, 0, false
	}
	lo, err1 := strconv.ParseFloat(*p.Min, 64)
	hi, err2 := strconv.ParseFloat(*p.Max, 64)
	return lo, hi, err1 == nil && err2 == nil
}

// meanCheck flags a mean that moved more than th reference standard
// deviations (any move at all when the reference's deviation is 0).
func meanCheck(r, c *ColumnProfile, th float64) Check {
	ch := Check{Column: r.Name, Check: "mean_shift", Reference: optFloat(r.Mean), Current: optFloat(c.Mean), Threshold: ptr(th)}
	if r.Mean == nil || c.Mean == nil {
		ch.Drifted = (r.Mean == nil) != (c.Mean == nil)
		return ch
	}
	diff := math.Abs(*c.Mean - *r.Mean)
	sd := 0.0
	if r.StdDev != nil {
		sd = *r.StdDev
	}
	if sd == 0 {
		ch.Drifted = diff > 1e-9*math.Max(1, math.Abs(*r.Mean))
		return ch
	}
	ch.Current += fmt.Sprintf(" (%s sd)", formatFloat(diff/sd))
	ch.Drifted = diff/sd > th+1e-12
	return ch
}

func optFloat(f *float64) string {
	if f == nil {
		return "no values"
	}
	return formatFloat(*f)
}

// categoryCheck flags current values the reference never held, when they
// cover more than th of the current rows. The reference's values are
// known from its top values when it has no more distinct values than it
// keeps (TopValues); otherwise only values it kept count as known, and a
// value the check calls new may be a rare old one.
func categoryCheck(r, c *ColumnProfile, rows int64, th float64) Check {
	known := map[string]bool{}
	for _, tv := range r.Top {
		known[tv.Value] = true
	}
	var fresh []string
	var freshRows int64
	for _, tv := range c.Top {
		if !known[tv.Value] {
			fresh = append(fresh, tv.Value)
			freshRows += tv.Count
		}
	}
	ch := Check{Column: r.Name, Check: "new_categories", Reference: fmt.Sprintf("%d values", len(r.Top)),
		Current: "none", Threshold: ptr(th)}
	if r.Distinct != nil {
		ch.Reference = fmt.Sprintf("%d values", *r.Distinct)
	}
	if len(fresh) > 0 {
		ch.Current = strings.Join(fresh, ", ")
	}
	if rows > 0 {
		ch.Drifted = float64(freshRows)/float64(rows) > th+1e-12
	}
	return ch
}
