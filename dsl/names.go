package dsl

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// initialisms are written in capitals in Go names (user_id -> UserID), as
// staticcheck's ST1003 expects.
var initialisms = map[string]bool{
	"ACL": true, "AMQP": true, "API": true, "ASCII": true, "CPU": true, "CSS": true, "DB": true,
	"DNS": true, "EOF": true, "GID": true, "GUID": true, "HTML": true, "HTTP": true, "HTTPS": true,
	"ID": true, "IP": true, "JSON": true, "QPS": true, "RAM": true, "RPC": true, "RTP": true,
	"SIP": true, "SLA": true, "SMTP": true, "SQL": true, "SSH": true, "TCP": true, "TLS": true,
	"TS": true, "TTL": true, "UDP": true, "UI": true, "UID": true, "URI": true, "URL": true,
	"UTF8": true, "UUID": true, "VM": true, "XML": true, "XMPP": true, "XSRF": true, "XSS": true,
}

// goName turns a .pico name into an exported Go name: words split at
// underscores and case changes, each capitalised, initialisms in capitals,
// and plural initialisms as Go writes them (urls -> URLs). It returns ""
// when no Go name can be made: no letter, or a digit first.
func goName(name string) string {
	var b strings.Builder
	for _, w := range words(name) {
		up := strings.ToUpper(w)
		switch {
		case initialisms[up]:
			b.WriteString(up)
		case len(w) > 2 && (w[len(w)-1] == 's') && initialisms[up[:len(up)-1]]:
			b.WriteString(up[:len(up)-1] + "s")
		default:
			r, n := utf8.DecodeRuneInString(w)
			b.WriteRune(unicode.ToUpper(r))
			b.WriteString(w[n:])
		}
	}
	s := b.String()
	if s != "" && !unicode.IsLetter(rune(s[0])) {
		return "" // a Go name cannot start with a digit
	}
	return s
}

// words splits a name at underscores and at lower-to-upper case changes;
// a run of capitals followed by a lower-case letter ends one letter early,
// so HTTPServer splits into HTTP and Server.
func words(name string) []string {
	var out []string
	for _, part := range strings.Split(name, "_") {
		runes := []rune(part)
		start := 0
		for i := 1; i < len(runes); i++ {
			lowerToUpper := unicode.IsUpper(runes[i]) && !unicode.IsUpper(runes[i-1])
			acronymEnd := unicode.IsUpper(runes[i]) && unicode.IsUpper(runes[i-1]) && i+1 < len(runes) && unicode.IsLower(runes[i+1])
			if lowerToUpper || acronymEnd {
				out = append(out, string(runes[start:i]))
				start = i
			}
		}
		if start < len(runes) {
			out = append(out, string(runes[start:]))
		}
	}
	return out
}

// Suggest returns `; did you mean "X"?` for the candidate closest to name,
// or "" when none is close enough to be a likely typo. It is suggest, for
// checks made outside this package (the type-aware ones of picoflow check).
func Suggest(name string, candidates []string) string { return suggest(name, candidates) }

// suggest returns `; did you mean "X"?` for the candidate closest to name,
// or "" when none is close enough to be a likely typo.
func suggest(name string, candidates []string) string {
	best, bestDist := "", 0
	for _, cand := range candidates {
		if cand == name {
			continue
		}
		d := editDistance(strings.ToLower(name), strings.ToLower(cand))
		if best == "" || d < bestDist {
			best, bestDist = cand, d
		}
	}
	limit := max(1, min(3, len(name)/3))
	if best == "" || bestDist > limit {
		return ""
	}
	return fmt.Sprintf("; did you mean %q?", best)
}

// editDistance is the optimal string alignment distance between a and b, in
// bytes: Levenshtein's, with swapping two neighbours (strat, start) as one
// edit, the commonest typo.
func editDistance(a, b string) int {
	d := make([][]int, len(a)+1)
	for i := range d {
		d[i] = make([]int, len(b)+1)
		d[i][0] = i
	}
	for j := range d[0] {
		d[0][j] = j
	}
	for i := 1; i <= len(a); i++ {
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			d[i][j] = min(d[i-1][j]+1, d[i][j-1]+1, d[i-1][j-1]+cost)
			if i > 1 && j > 1 && a[i-1] == b[j-2] && a[i-2] == b[j-1] {
				d[i][j] = min(d[i][j], d[i-2][j-2]+1)
			}
		}
	}
	return d[len(a)][len(b)]
}
