package main

import (
	"bytes"
	"context"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

func TestTriage(t *testing.T) {
	var out bytes.Buffer
	err := triage(context.Background(), &out, []string{
		"I want my money back",
		"The app crashes on start",
		"Another error here",
		"How do I export my data?",
		"You are a WINNER",
		"Nice weather today",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `refund   "I want my money back" -> Your refund is on its way.
bug      "The app crashes on start" -> Thanks, we are on it. (bug #1)
bug      "Another error here" -> Thanks, we are on it. (bug #2)
question "How do I export my data?" -> See the FAQ at example.com/faq.
spam     "You are a WINNER" -> A person will read this.
other    "Nice weather today" -> A person will read this.
`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
}

// TestRoutes checks the path each topic takes through the graph, as the
// runtime reports it: named edges, the chained FileBug edge, and the
// wildcard that sends spam and other topics to Escalate.
func TestRoutes(t *testing.T) {
	bugs := 0
	flow := &Triage{Classify: classify{}, Refund: refund{}, FileBug: fileBug{next: &bugs}, Answer: answer{}, Escalate: escalate{}}
	for message, want := range map[string]string{
		"refund please":    "Classify:refund Refund:",
		"it is broken":     "Classify:bug FileBug:filed Answer:",
		"how?":             "Classify:question Answer:",
		"free stuff":       "Classify:spam Escalate:",
		"nothing relevant": "Classify:other Escalate:",
	} {
		var path string
		hooks := runtime.Hooks{NodeEnd: func(e runtime.NodeEvent) {
			if path != "" {
				path += " "
			}
			path += e.Node + ":" + e.Action
		}}
		tk := NewTicket()
		tk.Message = message
		if err := flow.Run(context.Background(), tk, runtime.WithHooks(hooks)); err != nil {
			t.Fatal(err)
		}
		if path != want {
			t.Errorf("%q took %q, want %q", message, path, want)
		}
	}
}

// TestRunLog: with -db each message's run is in the run log, with the
// steps of its path.
func TestRunLog(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	var out bytes.Buffer
	if err := run(context.Background(), &out, db, []string{"I want my money back", "The app crashes on start"}); err != nil {
		t.Fatal(err)
	}
	want := `refund   "I want my money back" -> Your refund is on its way.
bug      "The app crashes on start" -> Thanks, we are on it. (bug #1)
`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
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
	var paths []string
	for _, r := range runs {
		steps, err := runLog.Steps(r.ID)
		if err != nil {
			t.Fatal(err)
		}
		var nodes []string
		for _, s := range steps {
			nodes = append(nodes, s.Node)
		}
		if r.Flow != "Triage" || r.Status != runlog.StatusDone || r.Steps != len(steps) {
			t.Errorf("run %+v with steps %q, want Triage, done, one step per node", r, nodes)
		}
		paths = append(paths, strings.Join(nodes, " "))
	}
	slices.Sort(paths)
	if want := []string{"Classify FileBug Answer", "Classify Refund"}; !slices.Equal(paths, want) {
		t.Errorf("runs took %q, want %q", paths, want)
	}
}
