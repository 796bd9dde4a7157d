package pebblestore

import (
	"bufio"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"testing"
	"time"

	"github.com/featuregate/featuregate/online"
)

// crashEnv, when set to a directory, makes the test binary a crash child:
// it writes crashBatch(0), crashBatch(1), … into a store there, printing
// each batch's number once its Write returned, until it is killed.
const crashEnv = "FEATUREGATE_ONLINE_CRASH_DIR"

const (
	crashKeys    = 100 // entity keys shared by every batch
	crashRowsPer = 40  // rows per batch, plus one marker row
)

func TestMain(m *testing.M) {
	if dir := os.Getenv(crashEnv); dir != "" {
		os.Exit(crashChild(dir))
	}
	os.Exit(m.Run())
}

// crashBatch is batch i of the deterministic generator: random keys with
// random (often older) timestamps, and a marker row unique to the batch.
func crashBatch(i int) []online.Row {
	rng := rand.New(rand.NewPCG(uint64(i), 42))
	rows := []online.Row{{Project: "p", View: "v", Key: key(fmt.Sprintf("batch-%06d", i)), TS: t0, Values: []any{int64(i)}}}
	for j := range crashRowsPer {
		rows = append(rows, online.Row{
			Project: "p", View: "v", Key: key(int64(rng.IntN(crashKeys))),
			TS:      t0.Add(time.Duration(rng.IntN(500)) * time.Second),
			Created: t0.Add(time.Duration(rng.IntN(3)) * time.Second),
			Values:  []any{int64(i), int64(j), "payload"},
		})
	}
	return rows
}

func crashChild(dir string) int {
	s, err := Open(dir)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	for i := 0; ; i++ {
		if _, err := s.Write(context.Background(), crashBatch(i)); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		fmt.Println(i)
	}
}

// runCrashChild starts a child, kills it with SIGKILL once it acknowledged
// killAfter batches, and returns the last acknowledged batch.
func runCrashChild(t *testing.T, dir string, killAfter int) int {
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), crashEnv+"="+dir)
	cmd.Stderr = os.Stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	last := -1
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		if last, err = strconv.Atoi(sc.Text()); err != nil {
			t.Fatalf("child said %q", sc.Text())
		}
		if last+1 == killAfter {
			if err := cmd.Process.Kill(); err != nil { // SIGKILL
				t.Fatal(err)
			}
		}
	}
	if err := cmd.Wait(); err == nil || last+1 < killAfter {
		t.Fatalf("child ended with %v after %d batches, want killed after %d", err, last+1, killAfter)
	}
	return last
}

// replayState applies batches 0..n-1 with the newer-wins rule in memory.
func replayState(n int) map[int64]online.Row {
	state := map[int64]online.Row{}
	for i := range n {
		for _, r := range crashBatch(i)[1:] {
			k := r.Key[0].(int64)
			old, ok := state[k]
			if !ok || r.TS.After(old.TS) || r.TS.Equal(old.TS) && r.Created.After(old.Created) {
				state[k] = r
			}
		}
	}
	return state
}

func TestCrashKeepsWholeBatches(t *testing.T) {
	for _, killAfter := range []int{1, 10, 40} {
		t.Run(fmt.Sprintf("kill after %d", killAfter), func(t *testing.T) {
			dir := t.TempDir()
			acked := runCrashChild(t, dir, killAfter)
			s := openStore(t, dir)
			defer s.Close()
			n := committedBatches(t, s)
			if n < acked+1 {
				t.Fatalf("%d batches survived, but %d were acknowledged", n, acked+1)
			}
			t.Logf("acknowledged %d batches, %d survived", acked+1, n)
			checkState(t, s, n)
		})
	}
}

// committedBatches counts the batch markers, checking they form a prefix.
func committedBatches(t *testing.T, s *Store) int {
	var keys [][]any
	for i := range 100000 {
		keys = append(keys, key(fmt.Sprintf("batch-%06d", i)))
	}
	res, err := s.Get(context.Background(), "p", "v", keys, t0, 0)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for n < len(res) && res[n].Found {
		n++
	}
	for i := n; i < len(res); i++ {
		if res[i].Found {
			t.Fatalf("batch %d present but batch %d absent", i, n)
		}
	}
	return n
}

// checkState compares every key with the replay of the first n batches, so
// a partly applied batch or an older row that won would show.
func checkState(t *testing.T, s *Store, n int) {
	want := replayState(n)
	for k := range int64(crashKeys) {
		got := mustGet(t, s, "p", "v", key(k))[0]
		w, ok := want[k]
		if got.Found != ok {
			t.Fatalf("key %d: found=%v, want %v", k, got.Found, ok)
		}
		if ok && (!got.TS.Equal(w.TS) || !got.Created.Equal(w.Created) || fmt.Sprint(got.Values) != fmt.Sprint(w.Values)) {
			t.Fatalf("key %d: got %v %v %v, want %v %v %v", k, got.TS, got.Created, got.Values, w.TS, w.Created, w.Values)
		}
	}
}
