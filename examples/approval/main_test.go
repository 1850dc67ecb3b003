package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// Each answer is given by a new process, as a person answering later would:
// the run stops, a no writes a second draft and asks again, a yes publishes.
// The checkpoints are files in a directory, or, with -db, in a run log.
func TestApprovalAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	for _, mode := range []string{"dir", "db"} {
		t.Run(mode, func(t *testing.T) {
			dir, db := t.TempDir(), ""
			if mode == "db" {
				db = filepath.Join(dir, "runs.db")
			}
			want := []string{
				`waiting for a decision on "release notes, draft 1"`,
				`waiting for a decision on "release notes, draft 2"`,
				`published "release notes, draft 2" after 2 drafts`,
			}
			for i, answer := range []string{"", "no", "yes"} {
				cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.count=1")
				cmd.Env = append(os.Environ(), "PICOFLOW_APPROVAL="+dir+"|"+db+"|"+answer)
				out, err := cmd.CombinedOutput()
				if err != nil {
					t.Fatalf("answer %q: %v\n%s", answer, err, out)
				}
				if !strings.Contains(string(out), want[i]) {
					t.Errorf("answer %q printed\n%s\nwant a line %q", answer, out, want[i])
				}
			}
			if mode == "db" {
				checkLog(t, db)
			}
		})
	}
}

// checkLog checks that the three processes ran one run, recorded in the
// log at db: each answer continued the run the one before left waiting,
// from its checkpoint in the log.
func checkLog(t *testing.T, db string) {
	t.Helper()
	runLog, err := runlog.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer runLog.Close()
	runs, err := runLog.Runs(runlog.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 1 || runs[0].Flow != "Approval" || runs[0].Status != runlog.StatusDone || runs[0].Steps != 5 {
		t.Fatalf("runs %+v, want one of Approval, done after 5 steps", runs)
	}
	steps, err := runLog.Steps(runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var path []string
	for _, s := range steps {
		path = append(path, s.Node+":"+s.Action)
	}
	if want := []string{"Write:next", "Review:no", "Write:next", "Review:yes", "Publish:"}; !slices.Equal(path, want) {
		t.Errorf("steps %q, want %q", path, want)
	}
}

// TestChild runs the command's run in a process of its own for
// TestApprovalAcrossProcesses.
func TestChild(t *testing.T) {
	dir, rest, ok := strings.Cut(os.Getenv("PICOFLOW_APPROVAL"), "|")
	if !ok {
		t.Skip("runs only as the child of TestApprovalAcrossProcesses")
	}
	db, answer, _ := strings.Cut(rest, "|")
	if err := run(context.Background(), os.Stdout, dir, db, answer); err != nil {
		t.Fatal(err)
	}
}

// With -db a run waits in the log, and the next invocation finds it there,
// not in -dir, and continues it under the same run ID.
func TestAnswerFromRunLog(t *testing.T) {
	dir, db := t.TempDir(), filepath.Join(t.TempDir(), "runs.db")
	var out bytes.Buffer
	if err := run(context.Background(), &out, dir, db, ""); err != nil {
		t.Fatal(err)
	}
	if want := "answer with: go run ./examples/approval -db " + db + " -answer yes (or no)\n"; !strings.HasSuffix(out.String(), want) {
		t.Errorf("printed %q, want it to end with %q", out.String(), want)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("-dir holds %d files; with -db the checkpoints go to the log", len(files))
	}
	runLog, err := runlog.Open(db)
	if err != nil {
		t.Fatal(err)
	}
	defer runLog.Close()
	waiting, err := runLog.Runs(runlog.Filter{Status: runlog.StatusWaiting})
	if err != nil || len(waiting) != 1 || waiting[0].Waiting != "Review" {
		t.Fatalf("waiting runs %+v (err %v), want one at Review", waiting, err)
	}
	out.Reset()
	if err := run(context.Background(), &out, dir, db, "yes"); err != nil {
		t.Fatal(err)
	}
	if want := "published \"release notes, draft 1\" after 1 drafts\n"; out.String() != want {
		t.Errorf("printed %q, want %q", out.String(), want)
	}
	runs, err := runLog.Runs(runlog.Filter{})
	if err != nil || len(runs) != 1 || runs[0].ID != waiting[0].ID || runs[0].Status != runlog.StatusDone || runs[0].Steps != 3 {
		t.Fatalf("runs %+v (err %v), want run %s alone, done after 3 steps", runs, err, waiting[0].ID)
	}
	// Nothing waits any more: a second answer finds no run.
	err = run(context.Background(), &out, dir, db, "no")
	if want := "no run waits for an answer in " + db + ": the log has no waiting run of Approval"; err == nil || err.Error() != want {
		t.Errorf("answering again: %v, want %q", err, want)
	}
}

func TestBadAnswer(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, t.TempDir(), "", "maybe"); err == nil || err.Error() != `-answer "maybe": want yes or no` {
		t.Errorf("got %v", err)
	}
}
