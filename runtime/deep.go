package runtime

import (
	"bytes"
	"encoding/json"
)

// DeepCopy returns a copy of v that shares no memory with it, made through
// its JSON encoding, the form a checkpoint keeps of it. Generated code
// snapshots with it the store fields whose types the .pico cannot see into
// (a struct, a pointer, a nested slice or map), so that a StoreWrite hook
// sees a change made in place deep inside one (s.Findings[0].Sources[0] = x).
// It runs only when a StoreWrite hook is set.
func DeepCopy[T any](v T) T {
	var c T
	if b, err := json.Marshal(&v); err == nil {
		_ = json.Unmarshal(b, &c) // a store field survives the round trip: the checker sees to it
	}
	return c
}

// SameJSON reports whether a and b have the same JSON encoding: whether a
// store field changed, as a checkpoint would see it (unexported fields and
// a time's monotonic clock reading, which DeepCopy does not keep, do not
// count).
func SameJSON[T any](a, b T) bool {
	x, err := json.Marshal(&a)
	if err != nil {
		return false
	}
	y, err := json.Marshal(&b)
	return err == nil && bytes.Equal(x, y)
}
