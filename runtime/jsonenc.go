package runtime

import (
	"encoding/json"
	"math/bits"
	"unicode/utf8"
)

// AppendJSONString appends s to dst as encoding/json writes a string, byte
// for byte: quoted, with <, > and & escaped for HTML, control characters as
// \b, \f, \n, \r, \t or \u00XX, invalid UTF-8 as \ufffd, and U+2028 and
// U+2029 escaped. Generated code encodes a store's string fields with it
// for checkpoints, whose checksum is defined over json.Marshal's bytes:
// encoding/json takes about 2.5 ns a byte, this about a tenth of that on
// text that needs no escaping, which it skips eight bytes at a time.
func AppendJSONString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	plain := 0 // s[plain:i] needs no escaping and is not written yet
	i := 0
	for i < len(s) {
		// Eight bytes at a time while they need nothing (written out here:
		// as a function it would not be inlined, and a call per word costs
		// more than the test).
		for i+8 <= len(s) {
			b := s[i : i+8]
			x := uint64(b[0]) | uint64(b[1])<<8 | uint64(b[2])<<16 | uint64(b[3])<<24 |
				uint64(b[4])<<32 | uint64(b[5])<<40 | uint64(b[6])<<48 | uint64(b[7])<<56
			q, bs := x^(ones*'"'), x^(ones*'\\')
			lt, gt, amp := x^(ones*'<'), x^(ones*'>'), x^(ones*'&')
			m := (x-ones*0x20)&^x | x // below 0x20, or 0x80 and above
			m |= (q-ones)&^q | (bs-ones)&^bs | (lt-ones)&^lt | (gt-ones)&^gt | (amp-ones)&^amp
			// Borrows may set bits above the first byte found, never
			// below it: the lowest bit is the first byte to look at.
			if m &= highs; m != 0 {
				i += bits.TrailingZeros64(m) / 8
				break
			}
			i += 8
		}
		if i == len(s) {
			break
		}
		c := s[i]
		if c < utf8.RuneSelf {
			if !needsEscape[c] {
				i++
				continue
			}
			dst = append(dst, s[plain:i]...)
			switch c {
			case '"', '\\':
				dst = append(dst, '\\', c)
			case '\b':
				dst = append(dst, `\b`...)
			case '\f':
				dst = append(dst, `\f`...)
			case '\n':
				dst = append(dst, `\n`...)
			case '\r':
				dst = append(dst, `\r`...)
			case '\t':
				dst = append(dst, `\t`...)
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			plain = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && size == 1:
			dst = append(dst, s[plain:i]...)
			dst = append(dst, `\ufffd`...)
		case r == '\u2028' || r == '\u2029':
			dst = append(dst, s[plain:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
		default:
			i += size
			continue
		}
		i += size
		plain = i
	}
	dst = append(dst, s[plain:]...)
	return append(dst, '"')
}

// ones and highs are the byte-wise constants of the eight-at-a-time test:
// a one, and a high bit, in every byte of a word.
const ones, highs = 0x0101010101010101, 0x8080808080808080

// needsEscape are the ASCII bytes that encoding/json escapes (HTML
// escaping on).
var needsEscape = func() (t [utf8.RuneSelf]bool) {
	for c := range 0x20 {
		t[c] = true
	}
	for _, c := range `"\<>&` {
		t[c] = true
	}
	return t
}()

const hexDigits = "0123456789abcdef"

// AppendJSON appends v as json.Marshal encodes it: generated code encodes
// the store's fields that are not plain strings with it.
func AppendJSON(dst []byte, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return dst, err
	}
	return append(dst, b...), nil
}
