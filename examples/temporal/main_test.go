package main

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"maps"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/digital-duck/picoflow-go/runtime"
	pftemporal "github.com/digital-duck/picoflow-go/runtime/temporal"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/testsuite"
)

// trace is what a test environment's run did: the activities started, by
// name, and when each Exec attempt started on the environment's clock.
type trace struct {
	mu     sync.Mutex
	counts map[string]int
	starts map[string][]time.Time
}

func (tr *trace) started(env *testsuite.TestWorkflowEnvironment, name string) {
	tr.mu.Lock()
	defer tr.mu.Unlock()
	tr.counts[name]++
	tr.starts[name] = append(tr.starts[name], env.Now())
}

// newEnv is a test environment in which flow Support runs, its nodes f and
// its log quiet: the SDK's own, in process, with a clock that skips the
// waits. No Temporal server is needed.
func newEnv(t *testing.T, f *Support) (*testsuite.TestWorkflowEnvironment, *trace) {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	s.SetLogger(log.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil))))
	env := s.NewTestWorkflowEnvironment()
	if err := RegisterSupport(env, f); err != nil {
		t.Fatal(err)
	}
	tr := &trace{counts: map[string]int{}, starts: map[string][]time.Time{}}
	env.SetOnActivityStartedListener(func(info *activity.Info, _ context.Context, _ converter.EncodedValues) {
		tr.started(env, info.ActivityType.Name)
	})
	env.SetOnLocalActivityStartedListener(func(info *activity.Info, _ context.Context, _ []any) {
		tr.started(env, info.ActivityType.Name)
	})
	return env, tr
}

// runIn runs flow Support in env for query, as StartSupport starts it on a
// server, and returns the final store, or the workflow's error.
func runIn(t *testing.T, env *testsuite.TestWorkflowEnvironment, query string) (*Ticket, error) {
	t.Helper()
	env.ExecuteWorkflow("Support", pftemporal.Input[Ticket]{Store: newTicket(query)})
	if !env.IsWorkflowCompleted() {
		t.Fatalf("the run for %q did not complete", query)
	}
	if err := env.GetWorkflowError(); err != nil {
		return nil, err
	}
	var s Ticket
	if err := env.GetWorkflowResult(&s); err != nil {
		t.Fatal(err)
	}
	return &s, nil
}

// TestAnswers: the workflow answers as the flow does in process, and ask
// prints the answers as examples/support prints them.
func TestAnswers(t *testing.T) {
	questions := []string{
		"How do I reset my password?",
		"How do I export my data?",
		"Where do I get an API token?",
		"I was charged twice this month",
		"Please refund the charge",
		"What is the meaning of life?",
	}
	var out bytes.Buffer
	for _, q := range questions {
		env, _ := newEnv(t, newSupport())
		s, err := runIn(t, env, q)
		if err != nil {
			t.Fatalf("%q: %v", q, err)
		}
		printAnswer(&out, q, s)
	}
	// The same nodes in process, without Temporal: the same answers.
	var local bytes.Buffer
	if code := cli(context.Background(), append([]string{"local"}, questions...), &local, io.Discard); code != 0 {
		t.Fatalf("local: exit status %d", code)
	}
	if local.String() != out.String() {
		t.Errorf("in process:\n%s\non Temporal:\n%s", local.String(), out.String())
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
}

// TestFAQ: a question the FAQ covers takes two steps, Classify and Answer,
// each a Prep and a Post local activity around an Exec activity.
func TestFAQ(t *testing.T) {
	env, tr := newEnv(t, newSupport())
	s, err := runIn(t, env, "How do I reset my password?")
	if err != nil {
		t.Fatal(err)
	}
	want := &Ticket{
		Query:  "How do I reset my password?",
		Intent: "faq",
		Topic:  "password",
		Answer: `Choose "Forgot password" on the sign-in page; we email you a link that is valid for one hour.`,
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("store\n%+v\nwant\n%+v", s, want)
	}
	wantCounts := map[string]int{
		"Support.Classify.Prep": 1, "Support.Classify.Exec": 1, "Support.Classify.Post": 1,
		"Support.Answer.Prep": 1, "Support.Answer.Exec": 1, "Support.Answer.Post": 1,
	}
	if !maps.Equal(tr.counts, wantCounts) {
		t.Errorf("activities %v, want %v", tr.counts, wantCounts)
	}
}

// TestLookup: a question for the docs goes through the subflow Research,
// inside the same workflow, its activities named under it. Fetch takes two
// rounds, one activity per page: docs/export, then the two pages it links
// to, at once; the link of the third waits for a round not run.
func TestLookup(t *testing.T) {
	env, tr := newEnv(t, newSupport())
	s, err := runIn(t, env, "How do I export my data?")
	if err != nil {
		t.Fatal(err)
	}
	want := &Ticket{
		Query:  "How do I export my data?",
		Intent: "lookup",
		Topic:  "export",
		URLs:   []string{"docs/limits"},
		Pages: []Page{
			{URL: "docs/export", Title: "Exporting data", Text: "Settings > Data > Export writes all your projects to one archive.", Links: []string{"docs/formats", "docs/schedule"}},
			{URL: "docs/formats", Title: "Export formats", Text: "An archive holds tables as CSV and everything else as JSON.", Links: []string{"docs/limits"}},
			{URL: "docs/schedule", Title: "Scheduled exports", Text: "Team plans can repeat an export every night.", Links: []string{"docs/export"}},
		},
		Answer: "Exporting data: Settings > Data > Export writes all your projects to one archive.\n" +
			"Export formats: An archive holds tables as CSV and everything else as JSON.\n" +
			"Scheduled exports: Team plans can repeat an export every night.",
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("store\n%+v\nwant\n%+v", s, want)
	}
	wantCounts := map[string]int{
		"Support.Classify.Prep": 1, "Support.Classify.Exec": 1, "Support.Classify.Post": 1,
		"Support.Research.Fetch.Prep": 2, "Support.Research.Fetch.Exec": 3, "Support.Research.Fetch.Post": 2,
		"Support.Answer.Prep": 1, "Support.Answer.Exec": 1, "Support.Answer.Post": 1,
	}
	if !maps.Equal(tr.counts, wantCounts) {
		t.Errorf("activities %v, want %v", tr.counts, wantCounts)
	}
}

// TestLookupNothing: a question no subject matches researches nothing: a
// round of Fetch on no URLs runs no Exec activity.
func TestLookupNothing(t *testing.T) {
	env, tr := newEnv(t, newSupport())
	s, err := runIn(t, env, "What is the meaning of life?")
	if err != nil {
		t.Fatal(err)
	}
	want := &Ticket{
		Query:  "What is the meaning of life?",
		Intent: "lookup",
		Answer: "Our docs say nothing about that yet; a person will reply by email.",
	}
	if !reflect.DeepEqual(s, want) {
		t.Errorf("store\n%+v\nwant\n%+v", s, want)
	}
	if n, m := tr.counts["Support.Research.Fetch.Post"], tr.counts["Support.Research.Fetch.Exec"]; n != 1 || m != 0 {
		t.Errorf("%d rounds of Fetch with %d Exec activities, want 1 and 0", n, m)
	}
}

// TestEscalate: billing and refunds go to a person: Escalate has neither
// Prep nor Exec, so it runs as a single local activity, its Post.
func TestEscalate(t *testing.T) {
	for _, c := range []struct {
		query string
		want  Ticket
	}{
		{"I was charged twice this month", Ticket{
			Query: "I was charged twice this month", Intent: "billing", Topic: "charged",
			Answer: "Our billing team will reply within one business day.",
		}},
		{"Please refund the charge", Ticket{
			Query: "Please refund the charge", Intent: "refund", Topic: "refund",
			Answer: "Refunds need a person's approval; we will reply within one business day.",
		}},
	} {
		env, tr := newEnv(t, newSupport())
		s, err := runIn(t, env, c.query)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(*s, c.want) {
			t.Errorf("%q: store\n%+v\nwant\n%+v", c.query, *s, c.want)
		}
		wantCounts := map[string]int{
			"Support.Classify.Prep": 1, "Support.Classify.Exec": 1, "Support.Classify.Post": 1,
			"Support.Escalate.Post": 1,
		}
		if !maps.Equal(tr.counts, wantCounts) {
			t.Errorf("%q: activities %v, want %v", c.query, tr.counts, wantCounts)
		}
	}
}

// flaky fails its first Execs, as a model call might when the service is
// overloaded, then classifies as usual. Its attempts run as activities,
// each perhaps on a goroutine of its own.
type flaky struct {
	classify
	mu       sync.Mutex
	failures int
}

func (f *flaky) Exec(ctx context.Context, q string) (Verdict, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.failures > 0 {
		f.failures--
		return Verdict{}, errors.New("model overloaded")
	}
	return f.classify.Exec(ctx, q)
}

// TestRetry: Temporal retries Classify's Exec as support.pico says
// (attempts 3, wait 100ms, backoff 2): each attempt is an activity, the
// pauses on the test environment's clock.
func TestRetry(t *testing.T) {
	f := newSupport()
	f.Classify = &flaky{failures: 2}
	env, tr := newEnv(t, f)
	s, err := runIn(t, env, "How do I reset my password?")
	if err != nil || s.Intent != "faq" {
		t.Fatalf("store %+v, error %v; want faq after two retries", s, err)
	}
	starts := tr.starts["Support.Classify.Exec"]
	if len(starts) != 3 {
		t.Fatalf("%d attempts of Classify's Exec, want 3", len(starts))
	}
	if d1, d2 := starts[1].Sub(starts[0]), starts[2].Sub(starts[1]); d1 != 100*time.Millisecond || d2 != 200*time.Millisecond {
		t.Errorf("pauses %v, %v; want 100ms, 200ms", d1, d2)
	}

	f.Classify = &flaky{failures: 3}
	env, _ = newEnv(t, f)
	_, err = runIn(t, env, "How do I reset my password?")
	err = pftemporal.RunError(err)
	var ne *runtime.NodeError
	if want := "flow Support: node Classify (step 1) exec: model overloaded"; !errors.As(err, &ne) || err.Error() != want || ne.Phase != runtime.PhaseExec {
		t.Errorf("after 3 failed attempts: error %v, want a *runtime.NodeError %q", err, want)
	}
}

// endless asks for another round of pages forever, as a buggy Fetch might.
type endless struct{ fetch }

func (endless) Post(_ context.Context, t *Ticket, _ []string, pages []Page) (FetchAction, error) {
	t.Pages = append(t.Pages, pages...)
	return FetchMore, nil
}

// TestMaxSteps: max_steps 50 in support.pico stops a Research loop that
// never has enough; the steps inside the subflow count, as in process.
func TestMaxSteps(t *testing.T) {
	f := newSupport()
	f.Research.Fetch = endless{}
	env, tr := newEnv(t, f)
	_, err := runIn(t, env, "How do I export my data?")
	err = pftemporal.RunError(err)
	if want := "flow Research: step 51 exceeds max_steps 50"; err == nil || err.Error() != want || !errors.Is(err, runtime.ErrMaxSteps) {
		t.Fatalf("error %v, want %q matching runtime.ErrMaxSteps", err, want)
	}
	if n := tr.counts["Support.Research.Fetch.Exec"]; n != 49 {
		t.Errorf("%d Exec activities of Fetch, want 49: step 1 is Classify", n)
	}
}

// TestNoServer: without a server, ask and worker say how to start one,
// and do not hang.
func TestNoServer(t *testing.T) {
	for _, cmd := range []string{"worker", "ask"} {
		var stdout, stderr bytes.Buffer
		begin := time.Now()
		code := cli(context.Background(), []string{"-addr", "127.0.0.1:1", cmd}, &stdout, &stderr)
		if code != 1 || stdout.Len() != 0 {
			t.Errorf("%s: exit status %d, stdout %q; want 1 and nothing", cmd, code, stdout.String())
		}
		if msg := stderr.String(); !strings.HasPrefix(msg, "support: no Temporal server at 127.0.0.1:1 (start one with `temporal server start-dev`, or give its address with -addr): ") {
			t.Errorf("%s: stderr %q", cmd, msg)
		}
		// Generous: this checks that it gives up, not how fast.
		if d := time.Since(begin); d > 6*dialTimeout {
			t.Errorf("%s: gave up after %v", cmd, d)
		}
	}
}

// TestUsage: a missing or unknown command is bad usage.
func TestUsage(t *testing.T) {
	for _, args := range [][]string{nil, {"serve"}, {"worker", "extra"}, {"-bogus", "ask"}, {"local", "-no-worker"}} {
		var stdout, stderr bytes.Buffer
		if code := cli(context.Background(), args, &stdout, &stderr); code != 2 || stdout.Len() != 0 {
			t.Errorf("%q: exit status %d, stdout %q; want 2 and nothing", args, code, stdout.String())
		}
	}
}

func TestWorkflowID(t *testing.T) {
	now := time.UnixMilli(1_700_000_000_000)
	for q, want := range map[string]string{
		"How do I reset my password?": "support-how-do-i-reset-my-password-loyw3v28",
		"  ¿Qué?  ":                   "support-qu-loyw3v28",
		"!!!":                         "support-loyw3v28",
		"I want a refund for my last order, and fast": "support-i-want-a-refund-for-my-last-orde-loyw3v28",
	} {
		if got := workflowID(q, now); got != want {
			t.Errorf("workflowID(%q) = %q, want %q", q, got, want)
		}
	}
}
