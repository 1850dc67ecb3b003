package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// testLogger logs as main's logger does, without the attributes that differ
// from run to run: the time, the run ID and elapsed times.
func testLogger(w io.Writer, level slog.Level) *slog.Logger {
	return slog.New(slog.NewTextHandler(w, &slog.HandlerOptions{
		Level: level,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == "run_id" || a.Key == "elapsed") {
				return slog.Attr{}
			}
			return a
		},
	}))
}

func TestAnswers(t *testing.T) {
	var out, log bytes.Buffer
	err := run(context.Background(), &out, testLogger(&log, slog.LevelWarn), "", []string{
		"How do I reset my password?",
		"How do I export my data?",
		"Where do I get an API token?",
		"I was charged twice this month",
		"Please refund the charge",
		"What is the meaning of life?",
	})
	if err != nil {
		t.Fatal(err)
	}
	want := `Q: How do I reset my password? (faq)
A: Choose "Forgot password" on the sign-in page; we email you a link that is valid for one hour.
Q: How do I export my data? (lookup)
A: Exporting data: Settings > Data > Export writes all your projects to one archive.
   Export formats: An archive holds tables as CSV and everything else as JSON.
   Scheduled exports: Team plans can repeat an export every night.
Q: Where do I get an API token? (lookup)
A: API tokens: Create a token under Settings > Developer; it has the rights of your role.
   Roles: Owners manage billing, admins manage people, members edit projects.
Q: I was charged twice this month (billing)
A: Our billing team will reply within one business day.
Q: Please refund the charge (refund)
A: Refunds need a person's approval; we will reply within one business day.
Q: What is the meaning of life? (lookup)
A: Our docs say nothing about that yet; a person will reply by email.
`
	if out.String() != want {
		t.Errorf("got:\n%s\nwant:\n%s", out.String(), want)
	}
	if log.Len() != 0 {
		t.Errorf("runs without trouble logged at warning level:\n%s", log.String())
	}
}

// TestRunLog: with -db each question's run is in the run log, the steps of
// the subflow Research with its name.
func TestRunLog(t *testing.T) {
	db := filepath.Join(t.TempDir(), "runs.db")
	var out bytes.Buffer
	if err := run(context.Background(), &out, testLogger(io.Discard, slog.LevelWarn), db, []string{"How do I export my data?"}); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(out.String(), "Q: How do I export my data? (lookup)\nA: Exporting data:") {
		t.Errorf("printed\n%s\nwant the lookup's answer", out.String())
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
	if len(runs) != 1 || runs[0].Flow != "Support" || runs[0].Status != runlog.StatusDone || runs[0].Steps != 4 {
		t.Fatalf("runs %+v, want one of Support, done after 4 steps", runs)
	}
	steps, err := runLog.Steps(runs[0].ID)
	if err != nil {
		t.Fatal(err)
	}
	var path []string
	for _, s := range steps {
		path = append(path, s.Flow+"."+s.Node)
	}
	if want := []string{"Support.Classify", "Research.Fetch", "Research.Fetch", "Support.Answer"}; !slices.Equal(path, want) {
		t.Errorf("steps %q, want %q", path, want)
	}
}

// TestLogInfo: at info level, SlogHooks logs the start and end of the run
// and of each step, with the action each node chose.
func TestLogInfo(t *testing.T) {
	var log bytes.Buffer
	if _, err := triage(context.Background(), newSupport(), testLogger(&log, slog.LevelInfo), "How do I reset my password?"); err != nil {
		t.Fatal(err)
	}
	want := `level=INFO msg="flow start" flow=Support steps=0
level=INFO msg="node start" flow=Support node=Classify step=1
level=INFO msg="node end" flow=Support node=Classify step=1 action=faq
level=INFO msg="node start" flow=Support node=Answer step=2
level=INFO msg="node end" flow=Support node=Answer step=2 action=""
level=INFO msg="flow end" flow=Support steps=2
`
	if log.String() != want {
		t.Errorf("log:\n%s\nwant:\n%s", log.String(), want)
	}
}

// TestLogDebugThroughResearch: at debug level (-v) the log also names every
// store field a node changed, and the steps inside the subflow carry its
// name, Research.
func TestLogDebugThroughResearch(t *testing.T) {
	var log bytes.Buffer
	tk, err := triage(context.Background(), newSupport(), testLogger(&log, slog.LevelDebug), "How do I export my data?")
	if err != nil {
		t.Fatal(err)
	}
	want := `level=INFO msg="flow start" flow=Support steps=0
level=INFO msg="node start" flow=Support node=Classify step=1
level=DEBUG msg="store write" flow=Support node=Classify step=1 field=intent
level=DEBUG msg="store write" flow=Support node=Classify step=1 field=topic
level=DEBUG msg="store write" flow=Support node=Classify step=1 field=urls
level=INFO msg="node end" flow=Support node=Classify step=1 action=lookup
level=INFO msg="node start" flow=Research node=Fetch step=2
level=DEBUG msg="store write" flow=Research node=Fetch step=2 field=urls
level=DEBUG msg="store write" flow=Research node=Fetch step=2 field=pages
level=INFO msg="node end" flow=Research node=Fetch step=2 action=more
level=INFO msg="node start" flow=Research node=Fetch step=3
level=DEBUG msg="store write" flow=Research node=Fetch step=3 field=urls
level=DEBUG msg="store write" flow=Research node=Fetch step=3 field=pages
level=INFO msg="node end" flow=Research node=Fetch step=3 action=enough
level=INFO msg="node start" flow=Support node=Answer step=4
level=DEBUG msg="store write" flow=Support node=Answer step=4 field=answer
level=INFO msg="node end" flow=Support node=Answer step=4 action=""
level=INFO msg="flow end" flow=Support steps=4
`
	if log.String() != want {
		t.Errorf("log:\n%s\nwant:\n%s", log.String(), want)
	}
	// The second round fetched two pages in parallel; they are kept in the
	// order of their links, and the third link waits for a round not run.
	var urls []string
	for _, p := range tk.Pages {
		urls = append(urls, p.URL)
	}
	if got := strings.Join(urls, " "); got != "docs/export docs/formats docs/schedule" || strings.Join(tk.URLs, " ") != "docs/limits" {
		t.Errorf("pages %s, queued %v; want docs/export docs/formats docs/schedule, queued [docs/limits]", got, tk.URLs)
	}
}

// flaky fails its first Exec, as a model call might when the service is
// overloaded, then classifies as usual.
type flaky struct {
	classify
	failures int
}

func (f *flaky) Exec(ctx context.Context, q string) (Verdict, error) {
	if f.failures > 0 {
		f.failures--
		return Verdict{}, errors.New("model overloaded")
	}
	return f.classify.Exec(ctx, q)
}

// TestLogRetry: with attempts 3 and wait 100ms in support.pico, a failed
// classification is tried again, and SlogHooks logs a warning for it.
func TestLogRetry(t *testing.T) {
	flow := newSupport()
	flow.Classify = &flaky{failures: 1}
	var log bytes.Buffer
	tk, err := triage(context.Background(), flow, testLogger(&log, slog.LevelWarn), "How do I reset my password?")
	if err != nil || tk.Intent != "faq" {
		t.Fatalf("intent %q, err %v; want faq after a retry", tk.Intent, err)
	}
	want := `level=WARN msg=retry flow=Support node=Classify step=1 attempt=1 wait=100ms error="model overloaded"` + "\n"
	if log.String() != want {
		t.Errorf("log:\n%s\nwant:\n%s", log.String(), want)
	}
}

// endless asks for another round of pages forever, as a buggy Fetch might.
type endless struct{ fetch }

func (endless) Post(_ context.Context, t *Ticket, _ []string, pages []Page) (FetchAction, error) {
	t.Pages = append(t.Pages, pages...)
	return FetchMore, nil
}

// TestMaxSteps: max_steps 50 in support.pico stops a Research loop that
// never has enough; the steps inside the subflow count.
func TestMaxSteps(t *testing.T) {
	flow := newSupport()
	flow.Research.Fetch = endless{}
	var log bytes.Buffer
	tk, err := triage(context.Background(), flow, testLogger(&log, slog.LevelWarn), "How do I export my data?")
	if !errors.Is(err, runtime.ErrMaxSteps) {
		t.Fatalf("err = %v, want ErrMaxSteps", err)
	}
	if len(tk.Pages) != 49 {
		t.Errorf("%d rounds of Fetch, want 49: step 1 is Classify", len(tk.Pages))
	}
	want := `level=ERROR msg="flow end" flow=Support steps=50 error="flow Research: step 51 exceeds max_steps 50"` + "\n"
	if log.String() != want {
		t.Errorf("log:\n%s\nwant:\n%s", log.String(), want)
	}
}

// The generated store encoder, which checkpoints use, writes the bytes of
// json.Marshal for every kind of field the store has.
func TestStoreJSON(t *testing.T) {
	for _, s := range []*Ticket{
		NewTicket(),
		{Query: "<how> & \"why\"\n", Intent: "faq", URLs: []string{"a", "b\u2028"}, Pages: []Page{{URL: "u", Title: "t\xff", Links: []string{"x"}}}, Answer: "日本語"},
	} {
		want, err := json.Marshal(s)
		if err != nil {
			t.Fatal(err)
		}
		if got, err := s.appendJSON(nil); err != nil || !bytes.Equal(got, want) {
			t.Errorf("appendJSON = %s, %v; want %s", got, err, want)
		}
	}
}

// The store's snapshot for StoreWrite is deep where the .pico cannot see
// into a type: a page's link edited in place, through the slice, shows.
func TestSnapshotIsDeep(t *testing.T) {
	s := &Ticket{Pages: []Page{{URL: "u", Links: []string{"a", "b"}}}, URLs: []string{"x"}}
	var old Ticket
	s.copyInto(&old)
	s.Pages[0].Links[1] = "changed in place"
	s.URLs[0] = "y"
	if old.Pages[0].Links[1] != "b" || old.URLs[0] != "x" {
		t.Errorf("the snapshot shares memory with the store: %+v", old)
	}
	if runtime.SameJSON(s.Pages, old.Pages) {
		t.Error("SameJSON missed the nested edit")
	}
}
