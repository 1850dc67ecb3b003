// Command support triages customer questions: Classify picks an intent,
// the FAQ answers what it covers, the subflow Research follows links
// through the docs for the rest, and billing and refunds go to a person.
// Everything runs offline: a keyword classifier and a small built-in set of
// doc pages stand in for a model and a web site.
//
//	go run ./examples/support "how do I reset my password?"
//	go run ./examples/support -v "how do I export my data?"   # log every event
//	go run ./examples/support                                 # a few sample questions
//	go run ./examples/support -db runs.db                     # then: picoflow runs -db runs.db
//
// Every event of a run is logged through runtime.SlogHooks to stderr: by
// default only warnings and errors (a retried Classify, a failed node);
// with -v also each step and, at debug level, each store field a node
// changed. With -db FILE each question's run is also recorded in the run
// log at FILE (a SQLite database, see runtime/runlog), where picoflow runs
// and picoflow monitor show it.
package main

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"

	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// Verdict is what Classify makes of a question.
type Verdict struct {
	Intent string // faq, lookup, billing or refund
	Topic  string // the FAQ keyword or doc subject that decided it; may be ""
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

// fetch implements FetchNode. Its Exec runs on several goroutines at once,
// so it only reads.
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

// triage runs one question through flow, logging every event of the run
// to logger. opts come after the logging hooks.
func triage(ctx context.Context, flow *Support, logger *slog.Logger, query string, opts ...runtime.Option) (*Ticket, error) {
	t := NewTicket()
	t.Query = query
	opts = append([]runtime.Option{runtime.WithHooks(runtime.SlogHooks(logger))}, opts...)
	err := flow.Run(ctx, t, opts...)
	return t, err
}

// run triages each query and prints its intent and answer on w. With db
// set it records the runs in the run log at db.
func run(ctx context.Context, w io.Writer, logger *slog.Logger, db string, queries []string) error {
	var opts []runtime.Option
	if db != "" {
		runLog, err := runlog.Open(db)
		if err != nil {
			return err
		}
		defer runLog.Close()
		opts = runLog.Options()
	}
	flow := newSupport()
	for _, q := range queries {
		t, err := triage(ctx, flow, logger, q, opts...)
		if err != nil {
			return err
		}
		fmt.Fprintf(w, "Q: %s (%s)\nA: %s\n", q, t.Intent, strings.ReplaceAll(t.Answer, "\n", "\n   "))
	}
	return nil
}

func main() {
	verbose := flag.Bool("v", false, "log every step and store write to stderr")
	db := flag.String("db", "", "record the runs in the run log `FILE` (see picoflow runs and picoflow monitor)")
	flag.Parse()
	level := slog.LevelWarn
	if *verbose {
		level = slog.LevelDebug // SlogHooks logs store writes at debug level
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	queries := flag.Args()
	if len(queries) == 0 {
		queries = []string{
			"How do I reset my password?",
			"How do I export my data?",
			"I was charged twice this month",
			"I want a refund for my last order",
		}
	}
	if err := run(context.Background(), os.Stdout, logger, *db, queries); err != nil {
		fmt.Fprintln(os.Stderr, "support:", err)
		os.Exit(1)
	}
}
