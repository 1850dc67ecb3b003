package main

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// Each answer is given by a new process, as a person answering later would:
// the run stops, a no writes a second draft and asks again, a yes publishes.
func TestApprovalAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("starts processes")
	}
	dir := t.TempDir()
	want := []string{
		`waiting for a decision on "release notes, draft 1"`,
		`waiting for a decision on "release notes, draft 2"`,
		`published "release notes, draft 2" after 2 drafts`,
	}
	for i, answer := range []string{"", "no", "yes"} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestChild$", "-test.count=1")
		cmd.Env = append(os.Environ(), "PICOFLOW_APPROVAL="+dir+"|"+answer)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("answer %q: %v\n%s", answer, err, out)
		}
		if !strings.Contains(string(out), want[i]) {
			t.Errorf("answer %q printed\n%s\nwant a line %q", answer, out, want[i])
		}
	}
}

// TestChild runs the command's run in a process of its own for
// TestApprovalAcrossProcesses.
func TestChild(t *testing.T) {
	dir, answer, ok := strings.Cut(os.Getenv("PICOFLOW_APPROVAL"), "|")
	if !ok {
		t.Skip("runs only as the child of TestApprovalAcrossProcesses")
	}
	if err := run(context.Background(), os.Stdout, dir, answer); err != nil {
		t.Fatal(err)
	}
}

func TestBadAnswer(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, t.TempDir(), "maybe"); err == nil || err.Error() != `-answer "maybe": want yes or no` {
		t.Errorf("got %v", err)
	}
}
