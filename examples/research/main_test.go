package main

import (
	"bytes"
	"context"
	"io"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// The group's pages are every member's, in the group's order (Web's, then
// Docs', then Code's), and its cost the sum of the three.
func TestMergedStore(t *testing.T) {
	b := &Brief{Question: "What is a context, and how does cancellation work?"}
	if err := newResearch(0).Run(context.Background(), b); err != nil {
		t.Fatal(err)
	}
	var titles []string
	for _, p := range b.Pages {
		titles = append(titles, p.Source+": "+p.Title)
	}
	// Code found nothing: its append is empty, its cost counts.
	want := []string{
		"web: Context in Go servers",
		"docs: package context",
	}
	if !reflect.DeepEqual(b.Terms, []string{"context", "cancellation"}) || !reflect.DeepEqual(titles, want) {
		t.Errorf("terms %q, pages %q; want [context cancellation] and %q", b.Terms, titles, want)
	}
	if b.Cost != 0.25+0.125+0.0625 {
		t.Errorf("cost %v, want 0.4375", b.Cost)
	}
	wantAnswer := "[1] Context in Go servers (web, https://go.dev/blog/context): A context carries deadlines and cancellation across API boundaries.\n" +
		"[2] package context (docs, https://pkg.go.dev/context): Package context defines the Context type, which carries deadlines and cancellation signals.\n"
	if b.Answer != wantAnswer {
		t.Errorf("answer\n%s\nwant\n%s", b.Answer, wantAnswer)
	}
}

// The three sources search at the same time: with each taking latency, the
// run takes about one latency (under two), where one after another would
// take three. The trace shows all three starting before any is done.
func TestSourcesRunAtOnce(t *testing.T) {
	const latency = 300 * time.Millisecond
	var out, progress bytes.Buffer
	t0 := time.Now()
	if err := run(context.Background(), &out, &progress, "How do goroutines and channels work?", latency, ""); err != nil {
		t.Fatal(err)
	}
	if elapsed := time.Since(t0); elapsed >= 2*latency {
		t.Errorf("the run took %v; three sources at once should take about %v", elapsed, latency)
	}
	var order []string
	for _, line := range strings.Split(strings.TrimSpace(progress.String()), "\n") {
		f := strings.Fields(line)
		order = append(order, f[3]+" "+f[4])
	}
	starts := strings.Join(order[2:5], ", ")
	for _, m := range []string{"Web", "Docs", "Code"} {
		if !strings.Contains(starts, m+" starts") {
			t.Errorf("trace %q: want Web, Docs and Code to start before any is done", order)
		}
	}
	if !strings.HasSuffix(out.String(), "(6 pages, $0.4375)\n") {
		t.Errorf("printed\n%s\nwant it to end with (6 pages, $0.4375)", out.String())
	}
}

// A run with checkpoints saves one when the group completes, naming the
// group; resumed from it, the run goes on at Write without searching again.
func TestCheckpointAfterGroup(t *testing.T) {
	dir := t.TempDir()
	b := &Brief{Question: "goroutines"}
	if err := newResearch(0).Run(context.Background(), b, runtime.WithCheckpoints(runtime.Dir(dir))); err != nil {
		t.Fatal(err)
	}
	last, err := runtime.LatestCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	// Steps: Plan 1, the three members 2 to 4, Write 5.
	matches, _ := filepath.Glob(filepath.Join(dir, last.RunID, "step_004_*.json"))
	if len(matches) != 1 {
		t.Fatalf("checkpoints of step 4: %q, want the group's", matches)
	}
	cp, err := runtime.LoadCheckpoint(matches[0])
	if err != nil {
		t.Fatal(err)
	}
	if cp.Node != "Web+Docs+Code" || cp.Next != "Write" {
		t.Fatalf("step 4: %s -> %s, want Web+Docs+Code -> Write", cp.Node, cp.Next)
	}
	resumed := &Brief{}
	noSearch := source{kind: "none", latency: time.Hour} // would block the test
	f := NewResearch(plan{}, noSearch, noSearch, noSearch, write{})
	if err := f.Resume(context.Background(), resumed, cp); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(resumed, b) {
		t.Errorf("resumed store %+v, want %+v", resumed, b)
	}
}

// TestRunLog: with -db the run is recorded in the run log: Plan, the
// group's three members, a step each, and Write.
func TestRunLog(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	var out bytes.Buffer
	if err := run(context.Background(), &out, io.Discard, "How do goroutines and channels work?", 0, db); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(out.String(), "(6 pages, $0.4375)\n") {
		t.Errorf("printed\n%s\nwant it to end with (6 pages, $0.4375)", out.String())
	}
	runLog, err := runlog.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer runLog.Close()
	runs, err := runLog.Runs(runlog.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Flow != "Research" || runs[0].Status != runlog.StatusDone || runs[0].Steps != 5 {
		t.Fatalf("runs %+v, want one of Research, done after 5 steps", runs)
	}
	steps, err := runLog.Steps(runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var nodes []string
	for _, s := range steps {
		nodes = append(nodes, s.Node)
	}
	// The members' steps are numbered as they begin, in any order.
	if len(nodes) == 5 {
		slices.Sort(nodes[1:4])
	}
	if want := []string{"Plan", "Code", "Docs", "Web", "Write"}; !slices.Equal(nodes, want) {
		t.Errorf("steps %q, want %q", nodes, want)
	}
}
