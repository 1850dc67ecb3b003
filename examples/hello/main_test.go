package main

import (
	"bytes"
	"context"
	"path/filepath"
	"testing"

	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

func TestHello(t *testing.T) {
	for name, want := range map[string]string{
		"":       "Hello, world!\n",
		"Gopher": "Hello, Gopher!\n",
	} {
		var out bytes.Buffer
		if err := run(context.Background(), &out, name, ""); err != nil {
			t.Fatal(err)
		}
		if out.String() != want {
			t.Errorf("name %q: printed %q, want %q", name, out.String(), want)
		}
	}
}

func TestDefaultsFromPico(t *testing.T) {
	if s := NewGreeting(); s.Name != "world" || s.Greeting != "" {
		t.Errorf("NewGreeting() = %+v, want the .pico default name \"world\"", s)
	}
}

// TestRunLog: with -db the run is recorded in the run log, as picoflow
// runs shows it, and prints what it prints without.
func TestRunLog(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	var out bytes.Buffer
	if err := run(context.Background(), &out, "Gopher", db); err != nil {
		t.Fatal(err)
	}
	if out.String() != "Hello, Gopher!\n" {
		t.Errorf("printed %q, want %q", out.String(), "Hello, Gopher!\n")
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
	if len(runs) != 1 || runs[0].Flow != "Hello" || runs[0].Status != runlog.StatusDone || runs[0].Steps != 1 {
		t.Fatalf("runs %+v, want one of Hello, done after 1 step", runs)
	}
	steps, err := runLog.Steps(runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) != 1 || steps[0].Node != "Greet" || steps[0].Status != runlog.StatusDone {
		t.Errorf("steps %+v, want Greet, done", steps)
	}
}
