package groups

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
)

// wide is the store an uninterrupted run of Wide ends with.
func wide() *Work {
	return &Work{
		Items: []string{"w1", "w2", "w3", "w4", "w5", "w6", "w7", "w8"},
		Total: 36,
		Best:  1000,
		Tags:  map[string]int{"w1": 1, "w2": 2, "w3": 3, "w4": 4, "w5": 5, "w6": 6, "w7": 7, "w8": 8},
		Trail: []string{"begin", "finish"},
	}
}

// barrier makes every one of n workers wait until all n are in their Exec:
// a group that ran them one after another would never get past it.
func barrier(n int) func(ctx context.Context, _ int) error {
	var wg sync.WaitGroup
	wg.Add(n)
	return func(ctx context.Context, _ int) error {
		wg.Done()
		done := make(chan struct{})
		go func() { wg.Wait(); close(done) }()
		select {
		case <-done:
			return nil
		case <-time.After(10 * time.Second):
			return errors.New("the other members never ran at the same time")
		}
	}
}

// Eight members append to one slice field at once, each on its own copy
// (go test -race checks that they share no memory), and the merge keeps
// every append in member order, adds the totals, keeps the best and every
// tag.
func TestWideMergesEightMembers(t *testing.T) {
	var writes []string
	hooks := runtime.Hooks{StoreWrite: func(e runtime.WriteEvent) {
		writes = append(writes, e.Node+" "+e.Field)
	}}
	for name, opts := range map[string][]runtime.Option{
		"plain":       nil,
		"hooks":       {runtime.WithHooks(hooks)},
		"checkpoints": {runtime.WithCheckpoints(runtime.Dir(t.TempDir()))},
	} {
		writes = nil
		s := NewWork()
		if err := newWide(barrier(8)).Run(context.Background(), s, opts...); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if want := wide(); !reflect.DeepEqual(s, want) {
			t.Errorf("%s: store\n%+v\nwant\n%+v", name, s, want)
		}
		if name != "hooks" {
			continue
		}
		group := "W1+W2+W3+W4+W5+W6+W7+W8"
		want := []string{"Begin trail", group + " items", group + " total", group + " best", group + " tags", "Finish trail"}
		if !reflect.DeepEqual(writes, want) {
			t.Errorf("StoreWrite %q, want %q", writes, want)
		}
	}
}

// newClaims is flow Claims whose subflows tag "t" with the given values.
func newClaims(tagA, tagB int) *Claims {
	return NewClaims(begin{},
		NewClaimA(owner[OwnAAction]{"a", OwnADone}, tag[TagAAction]{"t", tagA, TagADone}),
		NewClaimB(owner[OwnBAction]{"b", OwnBDone}, tag[TagBAction]{"t", tagB, TagBDone}),
		finish{})
}

// Two subflow members that both set the owner, which has no merge rule,
// fail the run with a *MergeError naming the field and both members, and
// leave the store as it was when the group began. The tags merge first
// (fields merge in declaration order): the same key with different values
// is their conflict.
func TestClaimsConflict(t *testing.T) {
	for _, c := range []struct {
		tagB    int
		field   string
		message string
	}{
		{1, "owner", "flow Claims: group ClaimA+ClaimB (step 5) merge: field owner changed by ClaimA and ClaimB: give it a merge rule in the store, or let one member write it"},
		{2, "tags", `flow Claims: group ClaimA+ClaimB (step 5) merge: field tags (merge union): ClaimA and ClaimB changed key "t" differently`},
	} {
		s := NewWork()
		err := newClaims(1, c.tagB).Run(context.Background(), s)
		var me *runtime.MergeError
		if !errors.As(err, &me) || me.Field != c.field || !reflect.DeepEqual(me.Members, []string{"ClaimA", "ClaimB"}) {
			t.Fatalf("got %v, want a MergeError on %s by ClaimA and ClaimB", err, c.field)
		}
		var ne *runtime.NodeError
		if !errors.As(err, &ne) || ne.Phase != runtime.PhaseMerge || err.Error() != c.message {
			t.Errorf("error\n%v\nwant\n%s", err, c.message)
		}
		if want := (&Work{Trail: []string{"begin"}}); !reflect.DeepEqual(s, want) {
			t.Errorf("store %+v, want it as the group began: %+v", s, want)
		}
	}
}

// Groups chain: the exit of one is the next; each merges what its members
// wrote onto what the one before it left.
func TestMarksChain(t *testing.T) {
	s := NewWork()
	w := workers(nil)
	f := NewMarks(begin{}, mark{"a", 1}, mark{"b", 2}, w[0], w[1], finish{})
	if err := f.Run(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	want := &Work{Items: []string{"w1", "w2"}, Total: 3, Best: 20, Tags: map[string]int{"a": 1, "b": 2, "w1": 1, "w2": 2}, Trail: []string{"begin", "finish"}}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("store %+v, want %+v", s, want)
	}
}

// The first member to fail cancels the others, which are waiting in
// their Exec, and the run's error is its own, naming it.
func TestWideFirstFailure(t *testing.T) {
	var waiting sync.WaitGroup
	waiting.Add(7)
	var canceled atomic.Int32
	wait := func(ctx context.Context, n int) error {
		if n == 5 {
			waiting.Wait()
			return runtime.Permanent(errors.New("w5 broke"))
		}
		waiting.Done()
		<-ctx.Done() // only the group's cancellation ends this
		canceled.Add(1)
		return ctx.Err()
	}
	err := newWide(wait).Run(context.Background(), NewWork())
	var ne *runtime.NodeError
	if !errors.As(err, &ne) || ne.Node != "W5" || !strings.HasSuffix(err.Error(), "exec: w5 broke") {
		t.Fatalf("got %v, want W5's error", err)
	}
	if canceled.Load() != 7 {
		t.Errorf("%d members canceled, want the 7 others", canceled.Load())
	}
}

const childEnv = "PICOFLOW_GROUPS_DIR"

// TestGroupChild is the child process of TestKilledInGroup: its workers
// print that they started, then wait until the process is killed.
func TestGroupChild(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestKilledInGroup")
	}
	wait := func(ctx context.Context, n int) error {
		fmt.Println("exec", n)
		<-ctx.Done()
		return ctx.Err()
	}
	_ = newWide(wait).Run(context.Background(), NewWork(), runtime.WithCheckpoints(runtime.Dir(dir)))
	t.Fatal("the group finished before it was killed")
}

// A run killed with SIGKILL inside a group resumes at the group's start,
// with the store of that moment: every member runs again (at least once),
// and the run ends with the store an uninterrupted run has.
func TestKilledInGroup(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestGroupChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	started := 0
	for sc := bufio.NewScanner(out); started < 8 && sc.Scan(); {
		if strings.HasPrefix(sc.Text(), "exec ") {
			started++
		}
	}
	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if started != 8 {
		t.Fatalf("%d members started before the kill, want 8", started)
	}

	cp, err := runtime.LatestCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Node != "Begin" || cp.Next != "W1+W2+W3+W4+W5+W6+W7+W8" || cp.Step != 1 {
		t.Fatalf("latest checkpoint: step %d, %s -> %s; want step 1, Begin -> the group", cp.Step, cp.Node, cp.Next)
	}
	var ran atomic.Int32
	s := &Work{}
	count := func(context.Context, int) error { ran.Add(1); return nil }
	if err := newWide(count).Resume(context.Background(), s, cp); err != nil {
		t.Fatal(err)
	}
	if ran.Load() != 8 || !reflect.DeepEqual(s, wide()) {
		t.Errorf("resumed: %d members ran, store %+v; want 8 and %+v", ran.Load(), s, wide())
	}
}

// FlowStart hooks get the flow's shape: members, where each action goes,
// groups with their members and exit, subflows with their own.
func TestGraph(t *testing.T) {
	var g *runtime.Graph
	hooks := runtime.Hooks{FlowStart: func(e runtime.FlowEvent) { g = e.Graph() }}
	if err := newClaims(1, 1).Run(context.Background(), NewWork(), runtime.WithHooks(hooks)); err == nil {
		t.Fatal("the claims conflict; want an error")
	}
	got, err := json.Marshal(g)
	if err != nil {
		t.Fatal(err)
	}
	want := `{"flow":"Claims","members":[` +
		`{"name":"Begin","kind":"node","actions":["go"],"next":["ClaimA+ClaimB"]},` +
		`{"name":"ClaimA","kind":"subflow","actions":["done"],"graph":{"flow":"ClaimA","members":[` +
		`{"name":"OwnA","kind":"node","actions":["done"],"next":["TagA"]},{"name":"TagA","kind":"node","actions":["done"],"next":[""]}]}},` +
		`{"name":"ClaimB","kind":"subflow","actions":["done"],"graph":{"flow":"ClaimB","members":[` +
		`{"name":"OwnB","kind":"node","actions":["done"],"next":["TagB"]},{"name":"TagB","kind":"node","actions":["done"],"next":[""]}]}},` +
		`{"name":"Finish","kind":"node"},` +
		`{"name":"ClaimA+ClaimB","kind":"group","next":["Finish"],"members":["ClaimA","ClaimB"]}]}`
	if string(got) != want {
		t.Errorf("graph\n%s\nwant\n%s", got, want)
	}
}
