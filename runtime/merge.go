package runtime

import (
	"cmp"
	"fmt"
	"maps"
	"strconv"
	"strings"
)

// Join holds the stores of a parallel group's members once they have all
// finished, in the group's order, for the generated merge: a method of the
// store that calls one Merge function per field, in declaration order.
// Each function finds the members that changed its field (a store began as
// a deep copy of the group's) and combines their values by the field's
// rule, or returns a *MergeError.
type Join[S any] struct {
	Members []string // the members' names
	Stores  []S
	changed []int // scratch: the members that changed the field being merged
}

// MergeError is the error of a parallel group whose members' writes to a
// store field cannot be merged: errors.As finds it in the run's error,
// inside the group's *NodeError. The store is left as it was when the group
// began.
type MergeError struct {
	Field   string   // the field's .pico name
	Members []string // the members whose writes conflict, in the group's order
	// Rule is the field's merge rule ("" for none); Key the map key two
	// members set to different values, for merge union.
	Rule, Key string
}

func (e *MergeError) Error() string {
	who := joinNames(e.Members)
	switch e.Rule {
	case "":
		return fmt.Sprintf("field %s changed by %s: give it a merge rule in the store, or let one member write it", e.Field, who)
	case "append":
		return fmt.Sprintf("field %s (merge append): %s changed elements the group began with; merge append keeps appended elements only", e.Field, who)
	case "union":
		return fmt.Sprintf("field %s (merge union): %s changed key %s differently", e.Field, who, e.Key)
	}
	return fmt.Sprintf("field %s (merge %s): %s conflict", e.Field, e.Rule, who)
}

// joinNames writes "A", "A and B" or "A, B and C".
func joinNames(names []string) string {
	if len(names) < 2 {
		return strings.Join(names, "")
	}
	return strings.Join(names[:len(names)-1], ", ") + " and " + names[len(names)-1]
}

// changes finds the members whose field (get) differs from start by same,
// into j.changed.
func changes[S, T any](j *Join[S], start T, get func(*S) *T, same func(a, b T) bool) []int {
	j.changed = j.changed[:0]
	for i := range j.Stores {
		if !same(*get(&j.Stores[i]), start) {
			j.changed = append(j.changed, i)
		}
	}
	return j.changed
}

// names are the members at indexes is.
func (j *Join[S]) names(is []int) []string {
	out := make([]string, len(is))
	for k, i := range is {
		out[k] = j.Members[i]
	}
	return out
}

// MergeValue merges field of a store without a merge rule into *dst, which
// holds the group's start value: a member's value when it alone changed it,
// a *MergeError when several did. same tells whether two values are equal.
func MergeValue[S, T any](j *Join[S], field string, dst *T, get func(*S) *T, same func(a, b T) bool) error {
	ch := changes(j, *dst, get, same)
	switch len(ch) {
	case 0:
		return nil
	case 1:
		*dst = *get(&j.Stores[ch[0]])
		return nil
	}
	return &MergeError{Field: field, Members: j.names(ch)}
}

// MergeAppend merges a slice field with merge append: the start value
// followed by the elements each member appended, in the group's order. A
// member that changed an element it began with (or removed one) is a
// conflict.
func MergeAppend[S, E any](j *Join[S], field string, dst *[]E, get func(*S) *[]E, same func(a, b []E) bool) error {
	start := *dst
	ch := changes(j, start, get, same)
	if len(ch) == 1 {
		*dst = *get(&j.Stores[ch[0]])
		return nil
	}
	n := len(start)
	var rewrote []int
	total := n
	for _, i := range ch {
		v := *get(&j.Stores[i])
		// (Nothing to rewrite in an empty start: a nil start and an empty
		// prefix differ to a JSON comparison, not to append.)
		if len(v) < n || n > 0 && !same(v[:n:n], start) {
			rewrote = append(rewrote, i)
		}
		total += len(v) - n
	}
	if len(rewrote) > 0 {
		return &MergeError{Field: field, Members: j.names(rewrote), Rule: "append"}
	}
	if len(ch) == 0 {
		return nil
	}
	out := make([]E, n, total)
	copy(out, start)
	for _, i := range ch {
		out = append(out, (*get(&j.Stores[i]))[n:]...)
	}
	*dst = out
	return nil
}

// Number is the type set of merge sum: Go's integer and floating-point
// types, and types defined on them (time.Duration).
type Number interface {
	~int | ~int8 | ~int16 | ~int32 | ~int64 |
		~uint | ~uint8 | ~uint16 | ~uint32 | ~uint64 | ~uintptr |
		~float32 | ~float64
}

// Summable and Ordered are never used: a generated file names them with
// the type of a field whose merge rule is sum (Summable) or max or min
// (Ordered), behind a line directive, so that the compiler reports a type
// the rule cannot take at the rule's position in the .pico.
type (
	Summable[T Number]     struct{}
	Ordered[T cmp.Ordered] struct{}
)

// MergeSum merges a number field with merge sum: the start value plus
// every member's change, in the group's order.
func MergeSum[S any, T Number](j *Join[S], field string, dst *T, get func(*S) *T) error {
	start := *dst
	sum := start
	for i := range j.Stores {
		if v := *get(&j.Stores[i]); v != start {
			sum += v - start
		}
	}
	*dst = sum
	return nil
}

// MergeMax merges a field with merge max: the largest of the values the
// members that changed it wrote (unchanged: the start value).
func MergeMax[S any, T cmp.Ordered](j *Join[S], field string, dst *T, get func(*S) *T) error {
	return mergeExtreme(j, dst, get, 1)
}

// MergeMin merges a field with merge min: the smallest of the values the
// members that changed it wrote (unchanged: the start value).
func MergeMin[S any, T cmp.Ordered](j *Join[S], field string, dst *T, get func(*S) *T) error {
	return mergeExtreme(j, dst, get, -1)
}

func mergeExtreme[S any, T cmp.Ordered](j *Join[S], dst *T, get func(*S) *T, sign int) error {
	start := *dst
	found := false
	var best T
	for i := range j.Stores {
		v := *get(&j.Stores[i])
		if v == start {
			continue
		}
		if !found || cmp.Compare(v, best)*sign > 0 {
			best, found = v, true
		}
	}
	if found {
		*dst = best
	}
	return nil
}

// MergeUnion merges a map field with merge union, key by key: a key that
// no member changed keeps its start value, one that a member set, added or
// removed takes that member's doing, and two members that did different
// things to one key (by same: set it to different values, or set and
// removed it) are a conflict.
func MergeUnion[S any, K comparable, V any](j *Join[S], field string, dst *map[K]V, get func(*S) *map[K]V, same func(a, b V) bool) error {
	start := *dst
	ch := changes(j, start, get, func(a, b map[K]V) bool { return (a == nil) == (b == nil) && maps.EqualFunc(a, b, same) })
	switch len(ch) {
	case 0:
		return nil
	case 1:
		*dst = *get(&j.Stores[ch[0]])
		return nil
	}
	keys := map[K]struct{}{}
	for k := range start {
		keys[k] = struct{}{}
	}
	for _, i := range ch {
		for k := range *get(&j.Stores[i]) {
			keys[k] = struct{}{}
		}
	}
	out := maps.Clone(start)
	if out == nil {
		out = map[K]V{}
	}
	var conflict *MergeError
	for k := range keys {
		sv, inStart := start[k]
		winner, wv, wok := -1, sv, false
		for _, i := range ch {
			v, ok := (*get(&j.Stores[i]))[k]
			if ok == inStart && (!ok || same(v, sv)) {
				continue // this member left k alone
			}
			if winner < 0 {
				winner, wv, wok = i, v, ok
				continue
			}
			if ok != wok || ok && !same(v, wv) {
				// Of several conflicting keys, the same one is reported
				// every time.
				if e := (&MergeError{Field: field, Members: j.names([]int{winner, i}), Rule: "union", Key: keyText(k)}); conflict == nil || e.Key < conflict.Key {
					conflict = e
				}
				break
			}
		}
		switch {
		case winner < 0:
		case wok:
			out[k] = wv
		default:
			delete(out, k)
		}
	}
	if conflict != nil {
		return conflict
	}
	*dst = out
	return nil
}

// keyText writes a map key for a message: a string quoted.
func keyText(k any) string {
	if s, ok := k.(string); ok {
		return strconv.Quote(s)
	}
	return fmt.Sprint(k)
}

// Equal reports whether a == b: the comparison of merge for the fields
// whose type the .pico shows is comparable.
func Equal[T comparable](a, b T) bool { return a == b }
