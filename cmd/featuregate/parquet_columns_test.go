package main

import (
	"bytes"
	"math/big"
	"testing"
)

func TestScaledDecimal(t *testing.T) {
	tests := []struct {
		text  string
		scale int
		want  string // the integer, or "" for an error
	}{
		{"12.30", 2, "1230"},
		{"-0.5", 3, "-500"},
		{"7", 2, "700"},
		{"-99999999999999999999999.99999", 5, "-9999999999999999999999999999"},
		{"1.234", 2, ""},
		{"NaN", 2, ""},
	}
	for _, tt := range tests {
		n, err := scaledDecimal(tt.text, tt.scale)
		switch {
		case tt.want == "" && err == nil:
			t.Errorf("scaledDecimal(%q, %d) = %v, want an error", tt.text, tt.scale, n)
		case tt.want != "" && (err != nil || n.String() != tt.want):
			t.Errorf("scaledDecimal(%q, %d) = %v, %v, want %s", tt.text, tt.scale, n, err, tt.want)
		}
	}
}

func TestTwosComplement(t *testing.T) {
	tests := []struct {
		n     int64
		width int
		want  []byte
	}{
		{1, 2, []byte{0, 1}},
		{-1, 2, []byte{0xff, 0xff}},
		{-256, 3, []byte{0xff, 0xff, 0x00}},
		{0, 1, []byte{0}},
	}
	for _, tt := range tests {
		if got := twosComplement(big.NewInt(tt.n), tt.width); !bytes.Equal(got, tt.want) {
			t.Errorf("twosComplement(%d, %d) = %x, want %x", tt.n, tt.width, got, tt.want)
		}
	}
	// The width holds the largest number of each precision, and its negation.
	for _, prec := range []int{19, 30, 38} {
		w := decimalWidth(prec)
		largest := new(big.Int).Sub(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(prec)), nil), big.NewInt(1))
		if largest.BitLen()+1 > 8*w {
			t.Errorf("decimalWidth(%d) = %d bytes, too narrow for %s", prec, w, largest)
		}
	}
}
