package ddl

import (
	"fmt"
	"strings"
	"time"
)

// ParseTime reads a timestamp as featuregate accepts it in statements and
// requests: RFC 3339, or without an offset (then UTC), or a date.
func ParseTime(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02 15:04:05.999999999Z07:00",
		"2006-01-02 15:04:05.999999999Z07", "2006-01-02 15:04:05.999999999", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a timestamp (write 2024-01-31T00:00:00Z)", s)
}
