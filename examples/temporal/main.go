// Command temporal runs the support flow of examples/support on Temporal
// (https://temporal.io): the same support.pico, generated with -temporal,
// and the same nodes, but each question is a workflow run on a Temporal
// server, its Exec phases activities that a worker runs with the retry
// policy of support.pico, its subflow Research and the batch of Fetch
// inside the same workflow. Temporal's UI shows every step of every run.
//
// It needs a Temporal server; for a developer's machine:
//
//	temporal server start-dev                 # the Temporal CLI; UI at http://localhost:8233
//	go run . worker                           # runs the flow's workflow and activities
//	go run . ask -no-worker "How do I export my data?"
//
// or in one command, with a worker in the same process for as long as it
// takes:
//
//	go run . ask "How do I reset my password?"
//	go run . ask                              # a few sample questions
//
// ask prints each answer as examples/support prints it, and on stderr the
// address of the run in Temporal's UI. -addr names the server (default
// localhost:7233, temporal server start-dev's), -namespace its namespace
// and -queue the task queue that the worker and ask share.
package main

//go:generate go -C ../.. run ./cmd/picoflow generate -temporal examples/temporal

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
)

// Verdict is what Classify makes of a question.
type Verdict struct {
	Intent string `json:"intent"` // faq, lookup, billing or refund
	Topic  string `json:"topic"`  // the FAQ keyword or doc subject that decided it; may be ""
}

// Page is one page of the docs.
type Page struct {
	URL   string   `json:"url"`
	Title string   `json:"title"`
	Text  string   `json:"text"`
	Links []string `json:"links"`
}

// escalations are the keywords of questions only a person can settle.
// Refunds come first: "refund the charge" is a refund, not a billing
// question.
var escalations = []struct{ keyword, intent string }{
	{"refund", "refund"}, {"money back", "refund"},
	{"invoice", "billing"}, {"charged", "billing"}, {"payment", "billing"}, {"billing", "billing"},
}

// faqs answer the common questions at once, by keyword.
var faqs = []struct{ keyword, answer string }{
	{"password", `Choose "Forgot password" on the sign-in page; we email you a link that is valid for one hour.`},
	{"two-factor", "Turn on two-factor sign-in under Settings > Security; any authenticator app works."},
	{"delete my account", "Settings > Account > Delete removes your account and its data after 30 days."},
}

// subjects map words of a question to the doc page to start research from.
var subjects = []struct{ word, url string }{
	{"export", "docs/export"}, {"import", "docs/import"},
	{"api", "docs/api"}, {"token", "docs/api"}, {"role", "docs/roles"},
}

// docs are the pages Research can fetch, by URL.
var docs = map[string]Page{
	"docs/export":   {Title: "Exporting data", Text: "Settings > Data > Export writes all your projects to one archive.", Links: []string{"docs/formats", "docs/schedule"}},
	"docs/formats":  {Title: "Export formats", Text: "An archive holds tables as CSV and everything else as JSON.", Links: []string{"docs/limits"}},
	"docs/schedule": {Title: "Scheduled exports", Text: "Team plans can repeat an export every night.", Links: []string{"docs/export"}},
	"docs/limits":   {Title: "Size limits", Text: "One archive holds up to 2 GB; larger accounts get several."},
	"docs/import":   {Title: "Importing data", Text: "Drop a CSV file on a project to add its rows to a table.", Links: []string{"docs/formats"}},
	"docs/api":      {Title: "API tokens", Text: "Create a token under Settings > Developer; it has the rights of your role.", Links: []string{"docs/roles"}},
	"docs/roles":    {Title: "Roles", Text: "Owners manage billing, admins manage people, members edit projects."},
}

// enoughPages is how many pages Research gathers before it stops.
const enoughPages = 3

// The nodes are those of examples/support. On Temporal each phase runs as
// an activity, on the store and values as JSON: Prep and Post as local
// activities in the worker that runs the workflow's task, Exec as an
// activity that any worker of the task queue may run, retried by Temporal
// as support.pico says.

// classify implements ClassifyNode with keywords, where a real program
// would ask a model.
type classify struct{}

func (classify) Prep(_ context.Context, t *Ticket) (string, error) {
	return strings.ToLower(t.Query), nil
}

func (classify) Exec(_ context.Context, q string) (Verdict, error) {
	for _, e := range escalations {
		if strings.Contains(q, e.keyword) {
			return Verdict{e.intent, e.keyword}, nil
		}
	}
	for _, f := range faqs {
		if strings.Contains(q, f.keyword) {
			return Verdict{"faq", f.keyword}, nil
		}
	}
	for _, s := range subjects {
		if strings.Contains(q, s.word) {
			return Verdict{"lookup", s.word}, nil
		}
	}
	// Nothing known: look it up anyway, so the customer hears that the docs
	// have nothing rather than silence.
	return Verdict{"lookup", ""}, nil
}

func (classify) Post(_ context.Context, t *Ticket, _ string, v Verdict) (ClassifyAction, error) {
	t.Intent, t.Topic = v.Intent, v.Topic
	switch v.Intent {
	case "faq":
		return ClassifyFaq, nil
	case "billing":
		return ClassifyBilling, nil
	case "refund":
		return ClassifyRefund, nil
	}
	// Research starts from the page of the subject, if the docs have one.
	for _, s := range subjects {
		if s.word == v.Topic {
			t.URLs = []string{s.url}
			break
		}
	}
	return ClassifyLookup, nil
}

// fetch implements FetchNode. Its Exec runs as one activity per URL, up to
// four at once, perhaps in several workers: it only reads.
type fetch struct{}

func (fetch) Prep(_ context.Context, t *Ticket) ([]string, error) { return t.URLs, nil }

func (fetch) Exec(_ context.Context, url string) (Page, error) {
	p, ok := docs[url]
	if !ok {
		return Page{}, fmt.Errorf("%s: page not found", url)
	}
	p.URL = url
	return p, nil
}

// Post keeps the pages, in the order of the URLs, and queues the links
// not fetched yet for the next round.
func (fetch) Post(_ context.Context, t *Ticket, _ []string, pages []Page) (FetchAction, error) {
	t.Pages = append(t.Pages, pages...)
	seen := map[string]bool{}
	for _, p := range t.Pages {
		seen[p.URL] = true
	}
	t.URLs = nil
	for _, p := range pages {
		for _, link := range p.Links {
			if !seen[link] {
				seen[link] = true
				t.URLs = append(t.URLs, link)
			}
		}
	}
	if len(t.Pages) >= enoughPages || len(t.URLs) == 0 {
		return FetchEnough, nil
	}
	return FetchMore, nil
}

// answer implements AnswerNode.
type answer struct{}

func (answer) Prep(_ context.Context, t *Ticket) ([]string, error) {
	if t.Intent == "faq" {
		for _, f := range faqs {
			if f.keyword == t.Topic {
				return []string{f.answer}, nil
			}
		}
	}
	var sources []string
	for _, p := range t.Pages {
		sources = append(sources, p.Title+": "+p.Text)
	}
	return sources, nil
}

func (answer) Exec(_ context.Context, sources []string) (string, error) {
	if len(sources) == 0 {
		return "Our docs say nothing about that yet; a person will reply by email.", nil
	}
	return strings.Join(sources, "\n"), nil
}

func (answer) Post(_ context.Context, t *Ticket, _ []string, reply string) error {
	t.Answer = reply
	return nil
}

// escalate implements EscalateNode.
type escalate struct{}

func (escalate) Post(_ context.Context, t *Ticket) error {
	if t.Intent == "refund" {
		t.Answer = "Refunds need a person's approval; we will reply within one business day."
	} else {
		t.Answer = "Our billing team will reply within one business day."
	}
	return nil
}

func newSupport() *Support {
	return NewSupport(classify{}, answer{}, NewResearch(fetch{}), escalate{})
}

// newTicket is the store a run for query starts with.
func newTicket(query string) *Ticket {
	t := NewTicket()
	t.Query = query
	return t
}

// printAnswer prints the intent and answer of t, the final store of the
// run for q, as examples/support does.
func printAnswer(w io.Writer, q string, t *Ticket) {
	fmt.Fprintf(w, "Q: %s (%s)\nA: %s\n", q, t.Intent, strings.ReplaceAll(t.Answer, "\n", "\n   "))
}

// config is what the flags say.
type config struct {
	addr      string // the Temporal server's host:port
	namespace string
	queue     string // the task queue of the worker and the runs
	ui        string // the address of Temporal's UI, for the links to runs; "" for none
	noWorker  bool   // ask: start no worker in the process
	verbose   bool
}

// dialTimeout bounds the wait for the server at start: a server that is
// not running refuses at once, one that is unreachable would hang.
const dialTimeout = 5 * time.Second

// dial connects to the server that cfg names, giving up after
// dialTimeout, with the SDK logging to logger.
func dial(ctx context.Context, cfg config, logger *slog.Logger) (client.Client, error) {
	ctx, cancel := context.WithTimeout(ctx, dialTimeout)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{
		HostPort:          cfg.addr,
		Namespace:         cfg.namespace,
		Logger:            log.NewStructuredLogger(logger),
		ConnectionOptions: client.ConnectionOptions{GetSystemInfoTimeout: dialTimeout},
	})
	if err == nil {
		// Dial takes a server that answers gRPC calls it does not know
		// (any HTTP server) for an old Temporal: ask for its health too.
		if _, err = c.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
			c.Close()
		}
	}
	if err != nil {
		return nil, fmt.Errorf("no Temporal server at %s (start one with `temporal server start-dev`, or give its address with -addr): %w", cfg.addr, err)
	}
	return c, nil
}

// newWorker returns a worker of cfg's task queue that runs flow Support,
// and reports on fatal the error that stops it, if any.
func newWorker(c client.Client, cfg config, fatal chan<- error) (worker.Worker, error) {
	w := worker.New(c, cfg.queue, worker.Options{OnFatalError: func(err error) {
		select {
		case fatal <- err:
		default:
		}
	}})
	if err := RegisterSupport(w, newSupport()); err != nil {
		return nil, err
	}
	if err := w.Start(); err != nil {
		return nil, fmt.Errorf("start a worker of task queue %s in namespace %s: %w", cfg.queue, cfg.namespace, err)
	}
	return w, nil
}

// work runs a worker until ctx is done.
func work(ctx context.Context, c client.Client, cfg config, stderr io.Writer) error {
	fatal := make(chan error, 1)
	w, err := newWorker(c, cfg, fatal)
	if err != nil {
		return err
	}
	defer w.Stop()
	fmt.Fprintf(stderr, "worker of task queue %s at %s: runs flow Support until interrupted (Ctrl-C)\n", cfg.queue, cfg.addr)
	select {
	case <-ctx.Done():
		return nil
	case err := <-fatal:
		return fmt.Errorf("worker of task queue %s: %w", cfg.queue, err)
	}
}

// ask starts a run of flow Support for each query, one after the other,
// waits for it to end and prints its answer on stdout, and on stderr where
// Temporal's UI shows the run. Unless cfg.noWorker, a worker in the
// process runs them (with any other worker of the queue).
func ask(ctx context.Context, c client.Client, cfg config, stdout, stderr io.Writer, queries []string) error {
	if cfg.noWorker {
		warnNoWorker(ctx, c, cfg, stderr)
	} else {
		fatal := make(chan error, 1)
		w, err := newWorker(c, cfg, fatal)
		if err != nil {
			return err
		}
		defer w.Stop()
		// A worker that stops for good ends the wait for the runs.
		var cancel context.CancelCauseFunc
		ctx, cancel = context.WithCancelCause(ctx)
		defer cancel(nil)
		go func() {
			select {
			case err := <-fatal:
				cancel(fmt.Errorf("the worker stopped: %w", err))
			case <-ctx.Done():
			}
		}()
	}
	for _, q := range queries {
		run, err := StartSupport(ctx, c, client.StartWorkflowOptions{ID: workflowID(q, time.Now()), TaskQueue: cfg.queue}, newTicket(q))
		if err != nil {
			return fmt.Errorf("start a run for %q: %w", q, err)
		}
		if cfg.ui != "" {
			fmt.Fprintf(stderr, "run %s: %s/namespaces/%s/workflows/%s/%s/history\n",
				run.ID, strings.TrimSuffix(cfg.ui, "/"), url.PathEscape(cfg.namespace), url.PathEscape(run.ID), url.PathEscape(run.RunID))
		}
		t, err := run.Get(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return fmt.Errorf("stopped waiting for run %s (%w): it goes on in Temporal, for a worker of task queue %s", run.ID, context.Cause(ctx), cfg.queue)
			}
			return fmt.Errorf("run %s: %w", run.ID, err)
		}
		printAnswer(stdout, q, t)
	}
	return nil
}

// local runs flow Support in this process (the in-process runtime, as
// examples/support does) for each query, with the nodes a worker runs on
// Temporal, and prints the answers as ask does.
func local(ctx context.Context, stdout io.Writer, queries []string) error {
	flow := newSupport()
	for _, q := range queries {
		t := newTicket(q)
		if err := flow.Run(ctx, t); err != nil {
			return err
		}
		printAnswer(stdout, q, t)
	}
	return nil
}

// queryArgs are the questions of the command line, or the samples.
func queryArgs(args []string) []string {
	if len(args) == 0 {
		return samples
	}
	return args
}

// warnNoWorker says on stderr that the runs will wait when no worker has
// polled cfg's task queue lately.
func warnNoWorker(ctx context.Context, c client.Client, cfg config, stderr io.Writer) {
	resp, err := c.DescribeTaskQueue(ctx, cfg.queue, enumspb.TASK_QUEUE_TYPE_WORKFLOW)
	if err == nil && len(resp.GetPollers()) == 0 {
		fmt.Fprintf(stderr, "no worker polls task queue %s: the runs wait for one (go run . worker -queue %s), or drop -no-worker\n", cfg.queue, cfg.queue)
	}
}

// workflowID is the ID of the run for query q started at now: the flow, a
// few words of q, and the time, so that it reads in Temporal's UI and two
// runs of the same question differ.
func workflowID(q string, now time.Time) string {
	var b strings.Builder
	b.WriteString("support-")
	dash := false
	for _, r := range strings.ToLower(q) {
		if b.Len() >= 40 {
			break
		}
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			if dash {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = b.Len() > len("support-")
		}
	}
	if b.Len() > len("support-") {
		b.WriteByte('-')
	}
	return b.String() + strconv.FormatInt(now.UnixMilli(), 36)
}

// samples are the questions ask puts without any.
var samples = []string{
	"How do I reset my password?",
	"How do I export my data?",
	"I was charged twice this month",
	"I want a refund for my last order",
}

const usage = `usage: go run . [flags] worker
       go run . [flags] ask [-no-worker] [QUESTION...]
       go run . local [QUESTION...]

worker runs a worker of the task queue until interrupted. ask starts a run of
flow Support per question (default: a few samples) and prints its answer; a
worker in the process runs them unless -no-worker. local runs the same flow
with the same nodes in this process, without Temporal (flow.Run), and prints
the same answers.

Flags (before or after the command):
`

// flags returns the flag set of command cmd ("" for the flags before the
// command), which sets cfg.
func flags(cmd string, cfg *config, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(cmd, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprint(stderr, usage)
		fs.PrintDefaults()
	}
	fs.StringVar(&cfg.addr, "addr", cfg.addr, "the Temporal server's `host:port`")
	fs.StringVar(&cfg.namespace, "namespace", cfg.namespace, "the Temporal namespace")
	fs.StringVar(&cfg.queue, "queue", cfg.queue, "the task `queue` of the worker and the runs")
	fs.StringVar(&cfg.ui, "ui", cfg.ui, "the `address` of Temporal's UI, for the links to runs (\"\": print none)")
	fs.BoolVar(&cfg.verbose, "v", cfg.verbose, "log the Temporal SDK's messages at info level to stderr")
	if cmd == "ask" || cmd == "" {
		fs.BoolVar(&cfg.noWorker, "no-worker", cfg.noWorker, "ask: start no worker in the process; one must run elsewhere")
	}
	return fs
}

// cli runs the program with args (without the program's name) until it
// ends or ctx is done, and returns its exit status.
func cli(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	cfg := config{addr: "localhost:7233", namespace: "default", queue: "picoflow-support", ui: "http://localhost:8233"}
	fs := flags("", &cfg, stderr)
	if err := fs.Parse(args); err != nil {
		return exitParse(err)
	}
	if fs.NArg() == 0 {
		fs.Usage()
		return 2
	}
	cmd := fs.Arg(0)
	if cmd != "worker" && cmd != "ask" && cmd != "local" {
		fmt.Fprintf(stderr, "unknown command %q\n", cmd)
		fs.Usage()
		return 2
	}
	sub := flags(cmd, &cfg, stderr)
	if err := sub.Parse(fs.Args()[1:]); err != nil {
		return exitParse(err)
	}
	if cmd == "worker" && sub.NArg() > 0 {
		fmt.Fprintln(stderr, "worker takes no arguments")
		return 2
	}

	if cmd == "local" {
		if err := local(ctx, stdout, queryArgs(sub.Args())); err != nil {
			fmt.Fprintln(stderr, "support:", err)
			return 1
		}
		return 0
	}

	level := slog.LevelWarn
	if cfg.verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	c, err := dial(ctx, cfg, logger)
	if err != nil {
		fmt.Fprintln(stderr, "support:", err)
		return 1
	}
	defer c.Close()
	if cmd == "worker" {
		err = work(ctx, c, cfg, stderr)
	} else {
		err = ask(ctx, c, cfg, stdout, stderr, queryArgs(sub.Args()))
	}
	if err != nil {
		fmt.Fprintln(stderr, "support:", err)
		return 1
	}
	return 0
}

// exitParse is the exit status for the error of parsing the flags: 0 for
// -h, which asked for the usage, else 2.
func exitParse(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := cli(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	os.Exit(code)
}
