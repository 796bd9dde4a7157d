package online

import "time"

// t0 is a fixed base time for tests.
var t0 = time.Date(2024, 1, 31, 12, 0, 0, 0, time.UTC)

func key(parts ...any) []any { return parts }
