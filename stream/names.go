package stream

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"strings"
)

// SharedIdentity is the identity of every gateway over a shared
// PostgreSQL online store: one slot per source, one follower at a time.
const SharedIdentity = "pg"

// identityFile is the file of a gateway's data directory that holds its
// identity.
const identityFile = "stream-identity"

// DataDirIdentity returns the identity of the gateway whose local state
// (the Pebble online store) lives in dir: ten random hex digits made on
// first use and kept in dir/stream-identity.
func DataDirIdentity(dir string) (string, error) {
	path := filepath.Join(dir, identityFile)
	b, err := os.ReadFile(path)
	if err == nil {
		id := strings.TrimSpace(string(b))
		if validIdentity(id) {
			return id, nil
		}
		return "", fmt.Errorf("%s: not a gateway identity (ten lower-case hex digits); remove it to make a new one", path)
	}
	if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	raw := make([]byte, 5)
	if _, err := rand.Read(raw); err != nil {
		return "", err
	}
	id := hex.EncodeToString(raw)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(id+"\n"), 0o644); err != nil {
		return "", err
	}
	return id, os.Rename(tmp, path)
}

func validIdentity(id string) bool {
	if id == SharedIdentity {
		return true
	}
	if len(id) != 10 {
		return false
	}
	_, err := hex.DecodeString(id)
	return err == nil && strings.ToLower(id) == id
}

// sourceHash is eight hex digits of project, source and table: a new
// table makes a new publication and slot.
func sourceHash(project, source, table string) string {
	h := fnv.New32a()
	fmt.Fprintf(h, "%s\x00%s\x00%s", project, source, table)
	return fmt.Sprintf("%08x", h.Sum32())
}

// PublicationName is the publication of a source's table.
func PublicationName(project, source, table string) string {
	return "fg_pub_" + sourceHash(project, source, table)
}

// SlotName is the replication slot of a source for the gateway of
// identity id.
func SlotName(id, project, source, table string) string {
	return slotPrefix(id) + sourceHash(project, source, table)
}

// slotPrefix starts the names of every slot of the gateway id.
func slotPrefix(id string) string { return "fg_" + id + "_" }

// markerName and gapName are the pseudo-views under which the online
// store keeps, as watermarks, when a slot was first followed into it and
// when a lost slot was made again (the start of a gap MATERIALIZE must
// fill). They cannot be a view's online name, which ends in @<hash>.
func markerName(slot string) string { return "~stream:" + slot }
func gapName(slot string) string    { return "~stream-gap:" + slot }

// lockKey is the advisory lock a follower of a shared online store holds
// while it follows slot.
func lockKey(slot string) int64 {
	h := fnv.New64a()
	h.Write([]byte("featuregate stream " + slot))
	return int64(h.Sum64())
}
