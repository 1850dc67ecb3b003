package runtime

import (
	"context"
	"errors"
	"testing"
)

// A store may gain fields and reorder them between a checkpoint and its
// resume; a field that changed type, or was removed while holding a value,
// is refused by name.
func TestSchemaEvolution(t *testing.T) {
	const saved = "a=00000001 b=00000002 c=00000003"
	store := `{"a":1,"b":"x","c":[]}`
	for _, tc := range []struct {
		name, now, want string
	}{
		{"same", saved, ""},
		{"added", "a=00000001 b=00000002 c=00000003 d=00000004", ""},
		{"removed, empty", "a=00000001 b=00000002", ""},
		{"retyped", "a=00000009 b=00000002 c=00000003", "resume flow F: store schema mismatch: field a has another type than when the checkpoint was saved"},
		{"removed, held", "a=00000001 c=00000003", `resume flow F: store schema mismatch: field b was removed, but the checkpoint holds a value for it: "x"`},
		{"older format", "a=00000001", ""},
	} {
		cp := &Checkpoint{Version: 1, Flow: "F", Schema: saved, Store: []byte(store)}
		if tc.name == "older format" {
			cp.Schema = "5ca1ab1e0ddba115"
			tc.want = `resume flow F: store schema mismatch: the checkpoint's schema "5ca1ab1e0ddba115" is not one of fields (it was written by an older picoflow): its store cannot be matched field by field`
		}
		_, err := resume(context.Background(), cp, "F", tc.now, 0, nil, nil)
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%s: %v", tc.name, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want || !errors.Is(err, ErrSchemaMismatch)):
			t.Errorf("%s: got %v\nwant %s", tc.name, err, tc.want)
		}
	}
}

// A resume into a store with a field the checkpoint lacks keeps that field's
// value (its default), and reads the others.
func TestResumeKeepsNewFieldsDefault(t *testing.T) {
	fl := counter("C", 3)
	fl.Schema = "intent=5ca1ab1e query=5ca1ab1e tries=0ddba115 history=0badcafe"
	cp := &Checkpoint{Version: 1, Flow: "C", Step: 1, Next: "N2", Schema: "query=5ca1ab1e tries=0ddba115", Store: []byte(`{"query":"q","tries":1}`)}
	s := &testStore{Intent: "unknown"} // as New<Store> gives it
	if err := fl.Resume(context.Background(), &tf{}, s, cp, nil); err != nil {
		t.Fatal(err)
	}
	if s.Intent != "unknown" || s.Query != "q" || s.Tries != 3 {
		t.Errorf("store %+v, want intent kept, query read and 3 tries", s)
	}
}
