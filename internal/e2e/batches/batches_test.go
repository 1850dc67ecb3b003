package batches

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
)

const childEnv = "PICOFLOW_BATCH_DIR"

func items() []int {
	var out []int
	for i := range 24 {
		out = append(out, i+1)
	}
	return out
}

// TestBatchChild is the child process: it runs the batch slowly, printing
// each element it starts, until it is killed.
func TestBatchChild(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("runs only as the child of TestBatchResumesAfterKill")
	}
	job := NewJob(square{delay: 60 * time.Millisecond, called: func(i int) { fmt.Println("exec", i) }})
	_ = job.Run(context.Background(), &Work{Items: items()}, runtime.WithCheckpoints(runtime.Dir(dir)))
	t.Fatal("the batch finished before it was killed")
}

// A run killed with SIGKILL in the middle of a batch resumes it with only
// the elements whose result was not saved: none that completed before the
// last save runs again, and Post gets every result in input order.
func TestBatchResumesAfterKill(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a process")
	}
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestBatchChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	// Once element 10 started (8 or more completed), two save periods,
	// then the kill, long before the 24th element (2 at a time, 60 ms each).
	sc := bufio.NewScanner(out)
	for sc.Scan() && sc.Text() != "exec 10" {
	}
	time.Sleep(2 * runtime.BatchSaveEvery)
	if err := cmd.Process.Signal(os.Kill); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()

	cp, err := runtime.LatestCheckpoint(dir)
	if err != nil {
		t.Fatal(err)
	}
	if cp.Batch == nil || cp.Batch.Node != "Square" || len(cp.Batch.Results) == 0 || len(cp.Batch.Results) == len(items()) {
		t.Fatalf("latest checkpoint %+v: want the batch's progress, part-way", cp)
	}
	var c calls
	w := &Work{}
	if err := NewJob(square{called: c.add}).Resume(context.Background(), w, cp); err != nil {
		t.Fatal(err)
	}
	var want []int
	for _, i := range items() {
		want = append(want, i*i)
	}
	if !slices.Equal(w.Squares, want) {
		t.Fatalf("squares %v, want %v", w.Squares, want)
	}
	for k := range cp.Batch.Results {
		i, _ := strconv.Atoi(k)
		if n := c.n[items()[i]]; n != 0 {
			t.Errorf("element %d, saved as done, ran %d more times", i, n)
		}
	}
	if got, want := len(c.n), len(items())-len(cp.Batch.Results); got != want {
		t.Errorf("the resumed batch ran %d elements, want the %d not saved", got, want)
	}
}
