package runtime

import (
	"testing"
	"time"
)

type finding struct {
	Claim   string   `json:"claim"`
	Sources []string `json:"sources"`
	seen    int      // unexported: not part of the store's state
}

func TestDeepCopy(t *testing.T) {
	orig := []finding{{Claim: "c", Sources: []string{"a", "b"}, seen: 3}}
	c := DeepCopy(orig)
	orig[0].Sources[0] = "edited in place"
	if c[0].Sources[0] != "a" {
		t.Errorf("the copy shares memory: %+v", c)
	}
	if SameJSON(orig, c) {
		t.Error("SameJSON missed a change made in place, two levels deep")
	}
	orig[0].Sources[0] = "a"
	if !SameJSON(orig, c) {
		t.Error("SameJSON saw a change where there is none (an unexported field differs)")
	}
	now := time.Now() // with a monotonic reading, which JSON does not keep
	if p := &now; !SameJSON(p, DeepCopy(p)) {
		t.Error("a time's copy differs from it")
	}
	var nilMap map[string][]int
	if got := DeepCopy(nilMap); got != nil || !SameJSON(nilMap, got) {
		t.Errorf("copy of a nil map: %v", got)
	}
}
