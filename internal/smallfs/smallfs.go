// Package smallfs mounts small real filesystems for the tests of a full
// disk: a tmpfs of a given size, which the kernel fills and answers ENOSPC
// on as any disk. Mounting needs root (the developers' machines and CI run
// tests as root); a test that cannot mount fails rather than skips.
package smallfs

import (
	"fmt"
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// Mount mounts a tmpfs of size bytes on a new directory (mode 0755, so
// that another user, such as PostgreSQL's, may reach it) and unmounts it
// when the test ends.
func Mount(tb testing.TB, size int64) string {
	tb.Helper()
	dir, err := os.MkdirTemp("", "featuregate-smallfs-")
	if err != nil {
		tb.Fatal(err)
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		tb.Fatal(err)
	}
	opts := fmt.Sprintf("size=%d,mode=0755", size)
	if err := syscall.Mount("tmpfs", dir, "tmpfs", 0, opts); err != nil {
		_ = os.Remove(dir)
		tb.Fatalf("smallfs: mount a tmpfs of %d bytes on %s (the full-disk tests need root): %v", size, dir, err)
	}
	tb.Cleanup(func() {
		if err := syscall.Unmount(dir, syscall.MNT_DETACH); err != nil {
			tb.Errorf("smallfs: unmount %s: %v", dir, err)
		}
		_ = os.Remove(dir)
	})
	return dir
}

// Free returns the bytes free on the filesystem of dir.
func Free(tb testing.TB, dir string) int64 {
	tb.Helper()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		tb.Fatal(err)
	}
	return int64(st.Bavail) * st.Bsize
}

// Ballast fills the filesystem of dir with a file until at most leave
// bytes are free, and returns a function that removes the file (frees
// the space).
func Ballast(tb testing.TB, dir string, leave int64) (free func()) {
	tb.Helper()
	path := filepath.Join(dir, "ballast")
	f, err := os.Create(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 64<<10)
	for Free(tb, dir) > leave {
		n := min(int64(len(chunk)), Free(tb, dir)-leave)
		if _, err := f.Write(chunk[:n]); err != nil {
			tb.Fatalf("smallfs: ballast: %v", err)
		}
	}
	return func() {
		if err := os.Remove(path); err != nil {
			tb.Error(err)
		}
	}
}
