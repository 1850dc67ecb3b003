package runlog_test

import (
	"bufio"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/internal/testflow"
	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

const (
	childDB   = "RUNLOG_CHILD_DB"
	childMode = "RUNLOG_CHILD_MODE"
	childTag  = "RUNLOG_CHILD_TAG"
)

// TestChild is the child process of the tests below: in mode "slow" it
// runs one long run, printing each step's start, until it is killed; in
// mode "many" it runs four runs at once and exits.
func TestChild(t *testing.T) {
	path := os.Getenv(childDB)
	if path == "" {
		t.Skip("runs only as the child of TestKilledRunResumes and TestProcessesShareLog")
	}
	l, err := runlog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	switch os.Getenv(childMode) {
	case "slow":
		j := testflow.NewJob()
		j.Limit = 100
		f := testflow.New(testflow.Nodes{Delay: 20 * time.Millisecond, Started: func(n int) { fmt.Println("exec", n) }})
		_ = f.Run(context.Background(), j, append(l.Options(), runtime.WithRunID("slow"))...)
		t.Fatal("the run finished before it was killed")
	case "many":
		if err := runMany(l, os.Getenv(childTag), 4); err != nil {
			t.Fatal(err)
		}
	}
}

// runMany runs n runs at once on l, named tag-0 to tag-(n-1), each to its
// question.
func runMany(l *runlog.Log, tag string, n int) error {
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			j := testflow.NewJob()
			j.Limit = 10
			err := testflow.New(testflow.Nodes{Flaky: true}).Run(context.Background(), j, append(l.Options(), runtime.WithRunID(fmt.Sprintf("%s-%d", tag, i)))...)
			var in *runtime.Interrupt
			if !errors.As(err, &in) {
				errs[i] = fmt.Errorf("run %s-%d: %v", tag, i, err)
			}
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

func child(t *testing.T, path, mode, tag string) *exec.Cmd {
	cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childDB+"="+path, childMode+"="+mode, childTag+"="+tag)
	return cmd
}

// A run killed with SIGKILL leaves a log that opens, passes SQLite's
// integrity check and holds every step whose checkpoint was saved; the run
// resumes from it and finishes with the store an unbroken run has.
func TestKilledRunResumes(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	path := filepath.Join(t.TempDir(), "runs.db")
	cmd := child(t, path, "slow", "")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Once the Exec of step 16 began (its count is 15), steps 1 to 15 were
	// saved: the run saves before the next step begins.
	started := -1
	for sc := bufio.NewScanner(out); sc.Scan(); {
		if n, err := strconv.Atoi(strings.TrimPrefix(sc.Text(), "exec ")); err == nil {
			started = n
			if n == 15 {
				break
			}
		}
	}
	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	if started != 15 {
		t.Fatalf("the child reached count %d, want 15", started)
	}

	db, err := sql.Open("sqlite", path)
	if err != nil {
		t.Fatal(err)
	}
	var check string
	if err := db.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
		t.Fatalf("integrity check: %q, %v", check, err)
	}
	db.Close()

	l, err := runlog.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	r, err := l.Run("slow")
	if err != nil || r.Status != runlog.StatusRunning {
		t.Fatalf("the killed run: %+v, %v; want it still running in the log", r, err)
	}
	cp, err := l.Latest("slow")
	if err != nil {
		t.Fatal(err)
	}
	if cp.Step < 15 {
		t.Fatalf("the latest checkpoint is of step %d; steps 1 to 15 were saved", cp.Step)
	}
	j := &testflow.Job{}
	err = testflow.New(testflow.Nodes{}).Resume(context.Background(), j, cp, l.Options()...)
	var in *runtime.Interrupt
	if !errors.As(err, &in) || j.N != 100 || len(j.Log) != 2 {
		t.Fatalf("resumed: %v, store %+v; want the question after counting to 100", err, j)
	}
	steps, err := l.Steps("slow")
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range steps {
		if s.Step != i+1 {
			t.Fatalf("step %d of the log is numbered %d: a step is missing or doubled", i+1, s.Step)
		}
	}
	if r, _ := l.Run("slow"); r.Status != runlog.StatusWaiting || r.Steps != 103 || len(steps) != 103 {
		t.Errorf("the resumed run: %s after %d steps, %d logged; want waiting after 103", r.Status, r.Steps, len(steps))
	}
}

// Several processes write one log at once, each with runs of its own.
func TestProcessesShareLog(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	path := filepath.Join(t.TempDir(), "runs.db")
	l, err := runlog.Open(path) // created before the children race to
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	var cmds []*exec.Cmd
	for _, tag := range []string{"a", "b"} {
		cmd := child(t, path, "many", tag)
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds = append(cmds, cmd)
	}
	if err := runMany(l, "p", 4); err != nil {
		t.Error(err)
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child: %v", err)
		}
	}
	runs, err := l.Runs(runlog.Filter{})
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 12 {
		t.Fatalf("%d runs in the log, want 12", len(runs))
	}
	for _, r := range runs {
		steps, _ := l.Steps(r.ID)
		if r.Status != runlog.StatusWaiting || len(steps) != 13 {
			t.Errorf("run %s: %s, %d steps; want waiting with 13", r.ID, r.Status, len(steps))
		}
	}
}
