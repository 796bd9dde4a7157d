package spell

import "testing"

func TestNearest(t *testing.T) {
	names := []string{"conv_rate", "driver_hourly_stats__conv_rate", "acc_rate", "avg_daily_trips"}
	tests := []struct{ name, want string }{
		{"driver_hourly_stat__conv_rate", "driver_hourly_stats__conv_rate"},
		{"conv_rat", "conv_rate"},
		{"acc_rates", "acc_rate"},
		{"nothing_like_it", ""},
		{"ab", ""},
	}
	for _, tt := range tests {
		if got := Nearest(tt.name, names); got != tt.want {
			t.Errorf("Nearest(%q) = %q, want %q", tt.name, got, tt.want)
		}
	}
}
