package runtime

import (
	"errors"
	"reflect"
	"slices"
	"testing"
)

// mstore is a store for the merge functions: one field per rule.
type mstore struct {
	V    string
	L    []string
	N    float64
	U    uint8
	M    map[string]int
	Best string
}

func join(stores ...mstore) *Join[mstore] {
	j := &Join[mstore]{Stores: stores}
	for i := range stores {
		j.Members = append(j.Members, string(rune('A'+i)))
	}
	return j
}

func mergeErr(t *testing.T, err error) *MergeError {
	t.Helper()
	var me *MergeError
	if !errors.As(err, &me) {
		t.Fatalf("got %v, want a *MergeError", err)
	}
	return me
}

func TestMergeValue(t *testing.T) {
	get := func(s *mstore) *string { return &s.V }
	v := "start"
	if err := MergeValue(join(mstore{V: "start"}, mstore{V: "start"}), "v", &v, get, Equal); err != nil || v != "start" {
		t.Errorf("unchanged: %q, %v", v, err)
	}
	if err := MergeValue(join(mstore{V: "start"}, mstore{V: "b"}, mstore{V: "start"}), "v", &v, get, Equal); err != nil || v != "b" {
		t.Errorf("changed by B: %q, %v; want b", v, err)
	}
	v = "start"
	// Even the same value written by two members is a conflict: the field
	// has no rule that says they agree.
	err := MergeValue(join(mstore{V: "x"}, mstore{V: "start"}, mstore{V: "x"}), "v", &v, get, Equal)
	me := mergeErr(t, err)
	if !reflect.DeepEqual(me.Members, []string{"A", "C"}) || v != "start" {
		t.Errorf("conflict %+v, value %q", me, v)
	}
	if got, want := err.Error(), "field v changed by A and C: give it a merge rule in the store, or let one member write it"; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
}

func TestMergeAppend(t *testing.T) {
	get := func(s *mstore) *[]string { return &s.L }
	start := []string{"s"}
	l := start
	err := MergeAppend(join(mstore{L: []string{"s", "a1", "a2"}}, mstore{L: []string{"s"}}, mstore{L: []string{"s", "c1"}}), "l", &l, get, slices.Equal)
	if want := []string{"s", "a1", "a2", "c1"}; err != nil || !reflect.DeepEqual(l, want) {
		t.Errorf("got %q, %v; want %q", l, err, want)
	}
	if len(start) != 1 || start[0] != "s" {
		t.Errorf("the start value changed: %q", start)
	}
	// A member that rewrote or removed an element it began with conflicts.
	l = []string{"s", "t"}
	err = MergeAppend(join(mstore{L: []string{"s", "t", "a"}}, mstore{L: []string{"X", "t", "b"}}, mstore{L: []string{"s"}}), "l", &l, get, slices.Equal)
	me := mergeErr(t, err)
	if !reflect.DeepEqual(me.Members, []string{"B", "C"}) || me.Rule != "append" || len(l) != 2 {
		t.Errorf("conflict %+v, value %q", me, l)
	}
	if got, want := err.Error(), "field l (merge append): B and C changed elements the group began with; merge append keeps appended elements only"; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
	// From a nil start, compared as JSON encodings (where nil and empty
	// differ), every member only appended.
	var none []string
	if err := MergeAppend(join(mstore{L: []string{"a"}}, mstore{L: []string{"b"}}), "l", &none, get, SameJSON); err != nil || !reflect.DeepEqual(none, []string{"a", "b"}) {
		t.Errorf("from nil: %q, %v", none, err)
	}
	// Changed by one member: its value, whatever it did.
	l = []string{"s", "t"}
	if err := MergeAppend(join(mstore{L: []string{"only"}}, mstore{L: []string{"s", "t"}}), "l", &l, get, slices.Equal); err != nil || !reflect.DeepEqual(l, []string{"only"}) {
		t.Errorf("changed by one: %q, %v", l, err)
	}
}

func TestMergeSumMaxMin(t *testing.T) {
	n := 1.5
	if err := MergeSum(join(mstore{N: 2.5}, mstore{N: 1.5}, mstore{N: 0.5}), "n", &n, func(s *mstore) *float64 { return &s.N }); err != nil || n != 1.5+1-1 {
		t.Errorf("sum %v, %v; want 1.5", n, err)
	}
	// Unsigned numbers add their changes modulo the type: a member that
	// took 1 off and one that added 3 make +2.
	u := uint8(10)
	if err := MergeSum(join(mstore{U: 9}, mstore{U: 13}), "u", &u, func(s *mstore) *uint8 { return &s.U }); err != nil || u != 12 {
		t.Errorf("unsigned sum %v, %v; want 12", u, err)
	}
	get := func(s *mstore) *string { return &s.Best }
	for _, c := range []struct {
		rule, start, want string
		vals              []string
	}{
		{"max", "m", "x", []string{"b", "m", "x"}},
		{"max", "m", "b", []string{"b", "m", "a"}}, // the largest written, not the start
		{"min", "m", "a", []string{"b", "m", "a"}},
		{"min", "m", "m", []string{"m", "m"}}, // unchanged
	} {
		var ss []mstore
		for _, v := range c.vals {
			ss = append(ss, mstore{Best: v})
		}
		v := c.start
		f := MergeMax[mstore, string]
		if c.rule == "min" {
			f = MergeMin[mstore, string]
		}
		if err := f(join(ss...), "best", &v, get); err != nil || v != c.want {
			t.Errorf("%s of %q from %q: %q, %v; want %q", c.rule, c.vals, c.start, v, err, c.want)
		}
	}
}

func TestMergeUnion(t *testing.T) {
	get := func(s *mstore) *map[string]int { return &s.M }
	start := map[string]int{"keep": 1, "gone": 2, "set": 3}
	m := start
	err := MergeUnion(join(
		mstore{M: map[string]int{"keep": 1, "gone": 2, "set": 30, "a": 1}},
		mstore{M: map[string]int{"keep": 1, "set": 3, "b": 2}}, // removes gone
		mstore{M: map[string]int{"keep": 1, "gone": 2, "set": 3, "a": 1}},
	), "m", &m, get, Equal)
	if want := map[string]int{"keep": 1, "set": 30, "a": 1, "b": 2}; err != nil || !reflect.DeepEqual(m, want) {
		t.Errorf("got %v, %v; want %v", m, err, want)
	}
	if len(start) != 3 {
		t.Errorf("the start map changed: %v", start)
	}
	for name, c := range map[string]struct {
		stores []mstore
		msg    string
	}{
		"different values": {
			[]mstore{{M: map[string]int{"k": 1, "z": 1}}, {M: map[string]int{"k": 2, "z": 2}}},
			`field m (merge union): A and B changed key "k" differently`,
		},
		"set and removed": {
			[]mstore{{M: map[string]int{"keep": 1, "set": 4, "gone": 2}}, {M: map[string]int{"keep": 1, "gone": 2}}},
			`field m (merge union): A and B changed key "set" differently`,
		},
	} {
		m := map[string]int{"keep": 1, "gone": 2, "set": 3}
		err := MergeUnion(join(c.stores...), "m", &m, get, Equal)
		mergeErr(t, err)
		if err.Error() != c.msg || m["set"] != 3 {
			t.Errorf("%s: %v (map %v), want %s", name, err, m, c.msg)
		}
	}
	// A nil map that a member made empty changed it.
	var nilMap map[string]int
	if err := MergeUnion(join(mstore{M: map[string]int{}}, mstore{}), "m", &nilMap, get, Equal); err != nil || nilMap == nil {
		t.Errorf("nil to empty: %v, %v", nilMap, err)
	}
}
