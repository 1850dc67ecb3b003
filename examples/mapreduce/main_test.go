package main

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

const wantReport = `file             lines  words  top words
bees.txt             6     69  honey, bees, hive
bread.txt            7     74  bread, cool, dough
clocks.txt           5     59  pendulum, clock, length
compost.txt          7     64  compost, heap, rich
kites.txt            5     49  kite, wind, line
lighthouses.txt      9     81  flashes, lens, light
maps.txt             5     58  areas, angles, keeps
rivers.txt           7     83  river, cuts, down
salt.txt             6     58  salt, water, ancient
stars.txt            7     68  stars, star, point
tea.txt              6     61  black, green, leaves
wells.txt            6     61  water, well, deep
total               76    785  in 12 files
`

// elapsed matches the duration at the end of a progress line, which
// differs from run to run.
var elapsed = regexp.MustCompile(`done in [0-9.]+(ns|µs|ms|s)`)

func TestReport(t *testing.T) {
	var out, progress bytes.Buffer
	if err := run(context.Background(), &out, &progress, false, defaultDir(), ""); err != nil {
		t.Fatal(err)
	}
	if out.String() != wantReport {
		t.Errorf("report:\n%s\nwant:\n%s", out.String(), wantReport)
	}
	got := elapsed.ReplaceAllString(progress.String(), "done in D")
	want := "step 1 List done in D\nstep 2 Summarize done in D\nstep 3 Reduce done in D\n"
	if got != want {
		t.Errorf("plain progress:\n%s\nwant:\n%s", got, want)
	}
}

// TestRunLog: with -db the run is recorded in the run log, List, the batch
// Summarize and Reduce one step each, and reports as it does without.
func TestRunLog(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	var out, progress bytes.Buffer
	if err := run(context.Background(), &out, &progress, false, defaultDir(), db); err != nil {
		t.Fatal(err)
	}
	if out.String() != wantReport {
		t.Errorf("report:\n%s\nwant:\n%s", out.String(), wantReport)
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
	if len(runs) != 1 || runs[0].Flow != "MapReduce" || runs[0].Status != runlog.StatusDone || runs[0].Steps != 3 {
		t.Fatalf("runs %+v, want one of MapReduce, done after 3 steps", runs)
	}
	steps, err := runLog.Steps(runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var nodes []string
	for _, s := range steps {
		nodes = append(nodes, s.Node)
	}
	if want := []string{"List", "Summarize", "Reduce"}; !slices.Equal(nodes, want) {
		t.Errorf("steps %q, want %q", nodes, want)
	}
}

// TestLiveProgress checks that on a terminal the progress stays on one
// line: every update starts with \r, and only the end of the run moves on
// to the next line.
func TestLiveProgress(t *testing.T) {
	var out, progress bytes.Buffer
	if err := run(context.Background(), &out, &progress, true, defaultDir(), ""); err != nil {
		t.Fatal(err)
	}
	got := progress.String()
	if !strings.HasPrefix(got, "\r") || strings.Count(got, "\n") != 1 || !strings.HasSuffix(got, "\n") {
		t.Fatalf("live progress %q: want \\r-separated updates and one final newline", got)
	}
	var updates []string
	longest := 0
	for _, u := range strings.Split(strings.TrimSuffix(got, "\n"), "\r")[1:] {
		// Each update blanks out what is left of a longer one before it.
		if len(u) < longest {
			t.Errorf("update %q is shorter than an earlier one (%d bytes): its rest stays on screen", u, longest)
		}
		longest = max(longest, len(strings.TrimRight(u, " ")))
		updates = append(updates, strings.TrimRight(elapsed.ReplaceAllString(u, "done in D"), " "))
	}
	want := []string{
		"step 1 List ...", "step 1 List done in D",
		"step 2 Summarize ...", "step 2 Summarize done in D",
		"step 3 Reduce ...", "step 3 Reduce done in D",
	}
	if !slices.Equal(updates, want) {
		t.Errorf("live updates %q, want %q", updates, want)
	}
}

// slowFirst summarizes the files in reverse: the earlier a file comes in
// the input, the longer its Exec sleeps. It records the order they finish.
type slowFirst struct {
	summarize
	files    []string
	mu       sync.Mutex
	finished []string
}

func (s *slowFirst) Exec(ctx context.Context, path string) (Summary, error) {
	i := slices.Index(s.files, filepath.Base(path))
	time.Sleep(time.Duration(len(s.files)-i) * 5 * time.Millisecond)
	sum, err := s.summarize.Exec(ctx, path)
	s.mu.Lock()
	s.finished = append(s.finished, sum.File)
	s.mu.Unlock()
	return sum, err
}

// TestOrderKeptUnderParallelism: the summaries come back in the order of
// the files, though the parallel Execs finish in another order.
func TestOrderKeptUnderParallelism(t *testing.T) {
	entries, err := os.ReadDir(defaultDir())
	if err != nil {
		t.Fatal(err)
	}
	var files []string
	for _, e := range entries {
		files = append(files, e.Name())
	}
	slow := &slowFirst{files: files}
	flow := newFlow()
	flow.Summarize = slow
	c := NewCorpus()
	c.Dir = defaultDir()
	if err := flow.Run(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	if slices.Equal(slow.finished, files) {
		t.Fatalf("Execs finished in input order %q: the test did not run them in parallel", slow.finished)
	}
	var got []string
	for _, s := range c.Summaries {
		got = append(got, s.File)
	}
	if !slices.Equal(got, files) || !slices.Equal(c.Files, files) {
		t.Errorf("summaries in order %q (files %q), want %q", got, c.Files, files)
	}
	if c.Report != wantReport {
		t.Errorf("report:\n%s\nwant:\n%s", c.Report, wantReport)
	}
}

func TestSummarizeText(t *testing.T) {
	for _, tc := range []struct {
		text string
		want Summary
	}{
		{"", Summary{File: "f", Top: []string{}}},
		{"one line, no newline", Summary{File: "f", Lines: 1, Words: 4, Top: []string{"line", "newline"}}},
		// Ties go to the alphabetically first; stop words and short words do not count.
		{"Zebra apple mango\nmango ZEBRA apple with with with the the the\n",
			Summary{File: "f", Lines: 2, Words: 12, Top: []string{"apple", "mango", "zebra"}}},
	} {
		got := summarizeText("f", tc.text)
		if got.File != tc.want.File || got.Lines != tc.want.Lines || got.Words != tc.want.Words || !slices.Equal(got.Top, tc.want.Top) {
			t.Errorf("summarizeText(%q) = %+v, want %+v", tc.text, got, tc.want)
		}
	}
}

func TestNoTextFiles(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "notes.md"), []byte("not a .txt file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	var out, progress bytes.Buffer
	err := run(context.Background(), &out, &progress, false, dir, "")
	var ne *runtime.NodeError
	if !errors.As(err, &ne) || ne.Node != "List" || !strings.Contains(err.Error(), "no .txt files in ") {
		t.Fatalf("err = %v, want List failing on a folder without .txt files", err)
	}
	if out.Len() != 0 || progress.Len() != 0 {
		t.Errorf("printed report %q and progress %q for a failed run", out.String(), progress.String())
	}
}
