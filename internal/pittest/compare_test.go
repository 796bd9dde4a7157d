package pittest

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Rows are compared as canonical text: a timestamp as its UTC instant, a
// float exactly, NULL distinct from every value.

// canon renders a value as the reference or pgx returns it.
func canon(v any) string {
	switch x := v.(type) {
	case nil:
		return "NULL"
	case *time.Time:
		if x == nil {
			return "NULL"
		}
		return canon(*x)
	case time.Time:
		return x.UTC().Format(time.RFC3339Nano)
	case int64:
		return strconv.FormatInt(x, 10)
	case int32:
		return strconv.FormatInt(int64(x), 10)
	case int16:
		return strconv.FormatInt(int64(x), 10)
	case float64:
		return strconv.FormatFloat(x, 'g', -1, 64)
	case float32:
		return strconv.FormatFloat(float64(x), 'g', -1, 32)
	case bool:
		return strconv.FormatBool(x)
	case string:
		return strconv.Quote(x)
	}
	return fmt.Sprintf("%T(%v)", v, v)
}

// canonRow renders a row, its values separated by " | ".
func canonRow(row []any) string {
	parts := make([]string, len(row))
	for i, v := range row {
		parts[i] = canon(v)
	}
	return strings.Join(parts, " | ")
}

// canonRows renders rows, sorted unless ordered.
func canonRows(rows [][]any, ordered bool) []string {
	out := make([]string, len(rows))
	for i, r := range rows {
		out[i] = canonRow(r)
	}
	if !ordered {
		slices.Sort(out)
	}
	return out
}

// multisetDiff returns the rows of want missing from got and the rows of
// got not in want, counting duplicates.
func multisetDiff(want, got []string) (missing, extra []string) {
	count := map[string]int{}
	for _, w := range want {
		count[w]++
	}
	for _, g := range got {
		if count[g] > 0 {
			count[g]--
			continue
		}
		extra = append(extra, g)
	}
	for _, w := range want {
		if count[w] > 0 {
			count[w]--
			missing = append(missing, w)
		}
	}
	return missing, extra
}

// diffReport describes the differences between want and got, at most
// limit rows of each kind; ordered lists are compared position by position.
func diffReport(want, got []string, ordered bool, limit int) string {
	var b strings.Builder
	if ordered {
		for i := range max(len(want), len(got)) {
			w, g := "(none)", "(none)"
			if i < len(want) {
				w = want[i]
			}
			if i < len(got) {
				g = got[i]
			}
			if w != g {
				fmt.Fprintf(&b, "row %d:\n  want %s\n  got  %s\n", i, w, g)
				if limit--; limit == 0 {
					break
				}
			}
		}
		return b.String()
	}
	missing, extra := multisetDiff(want, got)
	fmt.Fprintf(&b, "%d rows expected, %d returned; %d missing, %d unexpected\n", len(want), len(got), len(missing), len(extra))
	for i, m := range missing {
		if i == limit {
			break
		}
		fmt.Fprintf(&b, "  missing:    %s\n", m)
	}
	for i, e := range extra {
		if i == limit {
			break
		}
		fmt.Fprintf(&b, "  unexpected: %s\n", e)
	}
	return b.String()
}
