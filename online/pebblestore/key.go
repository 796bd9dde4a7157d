package pebblestore

import "github.com/featuregate/featuregate/online"

// Key prefixes: the first byte of every key tells what it holds.
const (
	prefixData      byte = 'd' // latest feature values of one entity
	prefixWatermark byte = 'w' // a view's materialization watermark
	prefixBound     byte = 'b' // the newest stamp of a view's values (bound.go)
	prefixFormat    byte = 'f' // the format key: the store keeps bounds
)

// appendViewPrefix appends the prefix shared by every key of one view.
func appendViewPrefix(dst []byte, prefix byte, project, view string) []byte {
	dst = append(dst, prefix)
	dst = online.AppendEscaped(dst, project)
	return online.AppendEscaped(dst, view)
}

// projectPrefix is the prefix shared by every key of kind prefix in project.
func projectPrefix(prefix byte, project string) []byte {
	return online.AppendEscaped([]byte{prefix}, project)
}

// prefixEnd is the smallest key greater than every key starting with p.
// Every prefix built here ends with an escaped component's terminator
// (0x01), so incrementing it suffices.
func prefixEnd(p []byte) []byte {
	end := append([]byte(nil), p...)
	end[len(end)-1]++
	return end
}

// appendDataKey appends the key of one entity's values in a view: the
// view's prefix and the entity key's encoding (online.AppendKey).
func appendDataKey(dst []byte, project, view string, key []any) ([]byte, error) {
	return online.AppendKey(appendViewPrefix(dst, prefixData, project, view), key)
}

// watermarkKey is the key of a view's watermark.
func watermarkKey(project, view string) []byte {
	return appendViewPrefix(nil, prefixWatermark, project, view)
}
