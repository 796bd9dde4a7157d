package online

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
)

// decoder reads an encoded value; the first error sticks.
type decoder struct {
	b   []byte
	err error
}

func (d *decoder) fail() {
	if d.err == nil {
		d.err = ErrCorrupt
	}
	d.b = nil
}

func (d *decoder) byte1() byte {
	if len(d.b) == 0 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *decoder) uvarint() uint64 {
	v, n := binary.Uvarint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) varint() int64 {
	v, n := binary.Varint(d.b)
	if n <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[n:]
	return v
}

func (d *decoder) fixed(n int) []byte {
	if len(d.b) < n {
		d.fail()
		return make([]byte, n)
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

// count reads an element count, bounded by the bytes left so that a
// corrupt count cannot cause a huge allocation.
func (d *decoder) count() int {
	n := d.uvarint()
	if n > uint64(len(d.b)) {
		d.fail()
		return 0
	}
	return int(n)
}

func (d *decoder) time() time.Time {
	sec := d.varint()
	nsec := d.uvarint()
	if nsec >= 1e9 {
		d.fail()
	}
	return time.Unix(sec, int64(nsec)).UTC()
}

func (d *decoder) blob() []byte { return d.fixed(d.count()) }

func (d *decoder) float32() float32 {
	return math.Float32frombits(binary.LittleEndian.Uint32(d.fixed(4)))
}

func (d *decoder) float64() float64 {
	return math.Float64frombits(binary.LittleEndian.Uint64(d.fixed(8)))
}

// header reads the version and the timestamps.
func (d *decoder) header() (ts, created time.Time) {
	if v := d.byte1(); v != valueVersion && d.err == nil {
		d.err = fmt.Errorf("%w: unknown version %d", ErrCorrupt, v)
		return
	}
	ts = d.time()
	if d.byte1() == 1 {
		created = d.time()
	}
	return ts, created
}

// decodeHeader returns the timestamps of an encoded value.
func decodeHeader(b []byte) (ts, created time.Time, err error) {
	d := decoder{b: b}
	ts, created = d.header()
	return ts, created, d.err
}

// decodeValue decodes a whole value; nothing returned aliases b.
func decodeValue(b []byte) (ts, created time.Time, values []any, err error) {
	d := decoder{b: b}
	ts, created = d.header()
	n := d.count()
	values = make([]any, n)
	for i := range values {
		values[i] = d.value()
	}
	if d.err == nil && len(d.b) != 0 {
		d.fail()
	}
	return ts, created, values, d.err
}

// value reads one tagged value.
func (d *decoder) value() any {
	tag := d.byte1()
	if tag&tagArrayOf != 0 {
		return d.typedArray(tag &^ tagArrayOf)
	}
	switch tag {
	case tagNull:
		return nil
	case tagFalse, tagTrue:
		return tag == tagTrue
	case tagArray:
		xs := make([]any, d.count())
		for i := range xs {
			xs[i] = d.value()
		}
		return xs
	}
	return d.scalar(tag)
}

// scalar reads the payload of a non-bool scalar.
func (d *decoder) scalar(tag byte) any {
	switch tag {
	case tagInt16:
		return int16(d.varint())
	case tagInt32:
		return int32(d.varint())
	case tagInt64:
		return d.varint()
	case tagFloat32:
		return d.float32()
	case tagFloat64:
		return d.float64()
	case tagString:
		return string(d.blob())
	case tagBlob:
		return append([]byte{}, d.blob()...)
	case tagTimeV:
		return d.time()
	}
	d.fail()
	return nil
}

// typedArray reads a slice of one scalar type.
func (d *decoder) typedArray(elem byte) any {
	switch elem {
	case tagFalse:
		return elems(d, func() bool { return d.byte1() != 0 })
	case tagInt16:
		return elems(d, func() int16 { return int16(d.varint()) })
	case tagInt32:
		return elems(d, func() int32 { return int32(d.varint()) })
	case tagInt64:
		return elems(d, d.varint)
	case tagFloat32:
		return elems(d, d.float32)
	case tagFloat64:
		return elems(d, d.float64)
	case tagString:
		return elems(d, func() string { return string(d.blob()) })
	case tagBlob:
		return elems(d, func() []byte { return append([]byte{}, d.blob()...) })
	case tagTimeV:
		return elems(d, d.time)
	}
	d.fail()
	return nil
}

func elems[T any](d *decoder, f func() T) []T {
	xs := make([]T, d.count())
	for i := range xs {
		xs[i] = f()
	}
	return xs
}
