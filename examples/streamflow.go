package examples

import (
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
	"time"
)

// StreamFlow is the churn project of the course lab (seed 004): monthly
// snapshots of four feature groups per user, and the churn labels. Its
// data.sql is the output of StreamFlowSQL(StreamFlowUsers, StreamFlowSeed),
// written by `go run ./examples/streamflow/gen`.

// The committed streamflow/data.sql is generated with these.
const (
	StreamFlowUsers = 1000
	StreamFlowSeed  = 1
)

// snapshotDates are the lab's two month-end snapshots.
var snapshotDates = []string{"2024-01-31", "2024-02-29"}

// customer is one StreamFlow user's profile: the columns of the telco
// churn dataset that the lab's tables use.
type customer struct {
	id           string // in the dataset's format, e.g. 7590-VHVEG
	gender       string // Female or Male
	senior       bool
	tenure       int     // months active on 2024-01-31
	monthlyFee   float64 // in dollars, two decimals
	paperless    bool
	streamTV     bool
	streamMovies bool
	netService   string // DSL, Fiber optic or No
	churn        bool
}

// telcoHead are the first two customers of the telco dataset, which the
// lab's examples use (user 7590-VHVEG): a synthetic StreamFlow starts with
// them, so those examples work on it too.
var telcoHead = []customer{
	{id: "7590-VHVEG", gender: "Female", tenure: 1, monthlyFee: 29.85, paperless: true, netService: "DSL"},
	{id: "5575-GNVDE", gender: "Male", tenure: 34, monthlyFee: 56.95, netService: "DSL"},
}

// StreamFlowSQL returns the SQL that creates and fills StreamFlow's
// tables for users synthetic customers (at least the two of telcoHead):
// users, the four snapshot tables at 2024-01-31 and 2024-02-29, and
// labels. The same users and seed always give the same text.
func StreamFlowSQL(users int, seed int64) string {
	return streamFlowSQL(syntheticCustomers(users, seed), seed,
		fmt.Sprintf("examples.StreamFlowSQL(%d, %d)", users, seed))
}

// syntheticCustomers draws n customers: telcoHead, then random ones with
// distinct ids.
func syntheticCustomers(n int, seed int64) []customer {
	n = max(n, len(telcoHead))
	rng := rand.New(rand.NewPCG(uint64(seed), 0x5eed))
	out := append([]customer{}, telcoHead...)
	seen := map[string]bool{}
	for _, c := range out {
		seen[c.id] = true
	}
	for len(out) < n {
		c := randomCustomer(rng)
		if !seen[c.id] {
			seen[c.id] = true
			out = append(out, c)
		}
	}
	return out
}

// randomCustomer draws a profile shaped like the telco dataset's; churn is
// more likely for short tenures, high fees and fiber.
func randomCustomer(rng *rand.Rand) customer {
	var id strings.Builder
	fmt.Fprintf(&id, "%04d-", rng.IntN(10000))
	for range 5 {
		id.WriteByte(byte('A' + rng.IntN(26)))
	}
	c := customer{id: id.String(), gender: []string{"Female", "Male"}[rng.IntN(2)],
		senior: rng.IntN(6) == 0, tenure: rng.IntN(73), paperless: rng.IntN(5) < 3}
	switch r := rng.IntN(100); {
	case r < 34:
		c.netService, c.monthlyFee = "DSL", 25+rng.Float64()*55
	case r < 78:
		c.netService, c.monthlyFee = "Fiber optic", 68+rng.Float64()*51
	default:
		c.netService, c.monthlyFee = "No", 18.25+rng.Float64()*8
	}
	if c.netService != "No" {
		c.streamTV, c.streamMovies = rng.IntN(5) < 2, rng.IntN(5) < 2
	}
	c.monthlyFee = math.Round(c.monthlyFee*20) / 20 // to 5 cents, as in the dataset
	fiber := 0.0
	if c.netService == "Fiber optic" {
		fiber = 0.8
	}
	z := -0.2 - 0.05*float64(c.tenure) + 0.02*(c.monthlyFee-65) + fiber
	c.churn = rng.Float64() < 1/(1+math.Exp(-z))
	return c
}

// snapshot is one user's feature values at one month end.
type snapshot struct {
	monthsActive                                int
	watchHours, avgSessionMins                  float64
	uniqueDevices, skips, rebuffers, failedPays int
	supportTickets                              int
	ticketResolutionHrs                         float64
	asOf                                        string
}

// snapshots draws the usage, payment and support aggregates of c at each
// month end. They come from c's own generator, seeded by seed and c's id,
// so they do not depend on the other customers. Churners watch less, fail
// more payments and open more tickets.
func (c customer) snapshots(seed int64) []snapshot {
	h := fnv.New64a()
	h.Write([]byte(c.id))
	rng := rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
	engaged := 1.0
	if c.churn {
		engaged = 0.55
	}
	out := make([]snapshot, len(snapshotDates))
	for m, d := range snapshotDates {
		s := snapshot{asOf: d, monthsActive: c.tenure + m}
		s.watchHours = round1((5 + rng.Float64()*55) * engaged)
		if c.netService == "No" {
			s.watchHours = round1(rng.Float64() * 4)
		}
		s.avgSessionMins = round1((10 + rng.Float64()*40) * (0.5 + engaged/2))
		s.uniqueDevices = 1 + rng.IntN(4)
		s.skips = rng.IntN(30) + int(10*(1-engaged))
		s.rebuffers = rng.IntN(8)
		if c.netService == "Fiber optic" {
			s.rebuffers = rng.IntN(3)
		}
		s.failedPays = weighted(rng, []int{80, 12, 5, 3}, c.churn)
		s.supportTickets = weighted(rng, []int{55, 20, 12, 7, 4, 2}, c.churn)
		if s.supportTickets > 0 {
			s.ticketResolutionHrs = round1(1 + rng.Float64()*71)
		}
		out[m] = s
	}
	return out
}

// weighted draws an index with the given weights; tilted moves weight
// from 0 to the higher values.
func weighted(rng *rand.Rand, w []int, tilted bool) int {
	w = append([]int{}, w...)
	if tilted {
		w[0] /= 3
	}
	total := 0
	for _, x := range w {
		total += x
	}
	r := rng.IntN(total)
	for i, x := range w {
		if r < x {
			return i
		}
		r -= x
	}
	return len(w) - 1
}

func round1(x float64) float64 { return math.Round(x*10) / 10 }

// signupDate is when c signed up: the last day of the month tenure
// months before January 2024.
func (c customer) signupDate() string {
	return time.Date(2024, time.Month(2-c.tenure), 0, 0, 0, 0, 0, time.UTC).Format(time.DateOnly)
}
