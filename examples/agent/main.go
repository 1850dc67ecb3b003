// Command agent is PocketFlow's research agent: Decide asks a model whether
// to search or to answer, Search adds what it finds to the notes and hands
// back to Decide, and Answer writes the final answer from the notes.
//
//	go run ./examples/agent                          # the default question
//	go run ./examples/agent "What is Ollama?"
//	go run ./examples/agent -db runs.db              # then: picoflow runs -db runs.db
//
// With -db FILE the run is recorded in the run log at FILE (a SQLite
// database, see runtime/runlog), where picoflow runs and picoflow monitor
// show it.
//
// Without configuration it runs offline on a scripted model. With
// OPENAI_BASE_URL set it talks to a real model over the OpenAI-compatible
// chat-completions protocol (Ollama, llama.cpp, vLLM), with the optional
// OPENAI_API_KEY and OPENAI_MODEL (default llama3.2); with OPENAI_STREAM=1
// it asks for a streamed reply and prints it as it arrives:
//
//	ollama pull llama3.2
//	OPENAI_BASE_URL=http://localhost:11434/v1 go run ./examples/agent
//
// Search always looks in the small built-in corpus (see offline.go).
// Progress goes to stderr, the answer to stdout.
package main

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"slices"
	"strings"

	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// defaultQuestion is asked when the command line gives none.
const defaultQuestion = "What is PocketFlow?"

// Brief is what Decide and Answer show the model.
type Brief struct {
	Question string
	Notes    []string
}

// Decision is the model's choice, as Decide asks for it in JSON.
type Decision struct {
	Action string `json:"action"` // "search" or "answer"
	Reason string `json:"reason"`
	Query  string `json:"query"` // for search
}

// The system prompts; the scripted model tells the two requests apart by
// them.
const (
	decideSystem = "You are a research agent. You answer a question by searching a knowledge base, one query at a time, and you answer once your notes cover the question."
	answerSystem = "You answer questions from research notes. Use only the notes, and say so when they do not cover the question."
)

// userPrompt lays out the question, the notes and the task.
func userPrompt(b Brief, task string) string {
	notes := "(none yet)"
	if len(b.Notes) > 0 {
		notes = "- " + strings.Join(b.Notes, "\n- ")
	}
	return "Question: " + b.Question + "\n\nNotes:\n" + notes + "\n\n" + task
}

const decideTask = `Choose the next step: search if the notes lack something the answer needs, answer if they are enough.
Reply with only a JSON object:
{"action": "search" or "answer", "reason": "one short sentence", "query": "search terms, when you search"}`

// decide implements DecideNode.
type decide struct{ model LLM }

func (decide) Prep(_ context.Context, s *Inquiry) (Brief, error) {
	return Brief{Question: s.Question, Notes: s.Notes}, nil
}

// Exec fails on a reply it cannot parse, so that the node's attempts ask
// again: a model that rambles once usually complies the next time.
func (d decide) Exec(ctx context.Context, b Brief) (Decision, error) {
	reply, err := d.model.Complete(ctx, []Message{
		{Role: "system", Content: decideSystem},
		{Role: "user", Content: userPrompt(b, decideTask)},
	})
	if err != nil {
		return Decision{}, err
	}
	return parseDecision(reply)
}

// Post routes the decision. The search budget is enforced here, not left to
// the model: max_steps stops a runaway loop with an error, the budget stops
// it with an answer.
func (decide) Post(_ context.Context, s *Inquiry, _ Brief, d Decision) (DecideAction, error) {
	s.Reason = d.Reason
	if d.Action == "answer" {
		return DecideAnswer, nil
	}
	if s.Searches >= s.MaxSearches {
		s.Reason = fmt.Sprintf("%d searches done; answering with the notes", s.Searches)
		return DecideAnswer, nil
	}
	s.Query = d.Query
	return DecideSearch, nil
}

// search implements SearchNode over a corpus.
type search struct{ docs []document }

func (search) Prep(_ context.Context, s *Inquiry) (string, error) { return s.Query, nil }

func (sr search) Exec(_ context.Context, query string) ([]string, error) {
	return lookup(sr.docs, query, 2), nil
}

// Post records the hits that are new; a search that found nothing leaves a
// note saying so, so that the model does not search for it again.
func (search) Post(_ context.Context, s *Inquiry, query string, hits []string) (SearchAction, error) {
	s.Searches++
	if len(hits) == 0 {
		hits = []string{fmt.Sprintf("A search for %q found nothing.", query)}
	}
	for _, h := range hits {
		if !slices.Contains(s.Notes, h) {
			s.Notes = append(s.Notes, h)
		}
	}
	return SearchDecide, nil
}

// answer implements AnswerNode.
type answer struct{ model LLM }

func (answer) Prep(_ context.Context, s *Inquiry) (Brief, error) {
	return Brief{Question: s.Question, Notes: s.Notes}, nil
}

func (a answer) Exec(ctx context.Context, b Brief) (string, error) {
	reply, err := a.model.Complete(ctx, []Message{
		{Role: "system", Content: answerSystem},
		{Role: "user", Content: userPrompt(b, "Answer the question in a few sentences.")},
	})
	if err != nil {
		return "", err
	}
	if reply = strings.TrimSpace(reply); reply == "" {
		return "", errors.New("answer: the model replied with nothing")
	}
	return reply, nil
}

func (answer) Post(_ context.Context, s *Inquiry, _ Brief, text string) error {
	s.Answer = text
	return nil
}

// progress reports each step to w. NodeEnd fires after the node's Post, so
// the store already holds what the step decided.
func progress(w io.Writer, s *Inquiry) runtime.Hooks {
	streamed := false // a streamed reply's line is open
	endLine := func() {
		if streamed {
			fmt.Fprintln(w)
			streamed = false
		}
	}
	return runtime.Hooks{
		NodeEnd: func(e runtime.NodeEvent) {
			endLine()
			switch e.Node {
			case "Decide":
				if e.Action == "search" {
					fmt.Fprintf(w, "step %d: Decide -> search: %s Query: %q\n", e.Step, s.Reason, s.Query)
				} else {
					fmt.Fprintf(w, "step %d: Decide -> answer: %s\n", e.Step, s.Reason)
				}
			case "Search":
				fmt.Fprintf(w, "step %d: Search -> decide: %d note%s\n", e.Step, len(s.Notes), plural(len(s.Notes)))
			default:
				fmt.Fprintf(w, "step %d: %s\n", e.Step, e.Node)
			}
		},
		Retry: func(e runtime.RetryEvent) {
			endLine()
			fmt.Fprintf(w, "step %d: %s attempt %d failed, retrying in %v: %v\n", e.Step, e.Node, e.Attempt, e.Wait, e.Err)
		},
		// A streaming model's reply, as it arrives (OPENAI_STREAM=1).
		Emit: func(e runtime.EmitEvent) {
			if tok, ok := e.Value.(Token); ok {
				if tok.Begin {
					endLine()
					fmt.Fprintf(w, "step %d: %s streams: ", e.Step, e.Node)
					streamed = true
				}
				fmt.Fprint(w, tok.Text)
			}
		},
	}
}

// plural is the suffix of a count's noun.
func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// research runs the agent on question, reporting progress to log, and
// returns the final store. opts come after the progress hooks.
func research(ctx context.Context, model LLM, question string, log io.Writer, opts ...runtime.Option) (*Inquiry, error) {
	s := NewInquiry()
	s.Question = question
	flow := NewResearch(decide{model}, search{corpus}, answer{model})
	opts = append([]runtime.Option{runtime.WithHooks(progress(log, s))}, opts...)
	return s, flow.Run(ctx, s, opts...)
}

// modelFromEnv picks the model and describes it: a chat-completions server
// when OPENAI_BASE_URL is set, else the offline script.
func modelFromEnv(getenv func(string) string) (LLM, string) {
	base := getenv("OPENAI_BASE_URL")
	if base == "" {
		return scripted{}, "the offline scripted model (set OPENAI_BASE_URL for a real one)"
	}
	name := cmp.Or(getenv("OPENAI_MODEL"), "llama3.2")
	stream := getenv("OPENAI_STREAM") == "1"
	return &ChatClient{BaseURL: base, APIKey: getenv("OPENAI_API_KEY"), Model: name, Stream: stream}, name + " at " + base
}

// run answers the question in args (the default one when empty) and prints
// the answer to stdout, the progress to stderr. With db set it records the
// run in the run log at db.
func run(ctx context.Context, db string, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	var opts []runtime.Option
	if db != "" {
		runLog, err := runlog.Open(db)
		if err != nil {
			return err
		}
		defer runLog.Close()
		opts = runLog.Options()
	}
	question := cmp.Or(strings.Join(args, " "), defaultQuestion)
	model, about := modelFromEnv(getenv)
	fmt.Fprintf(stderr, "Question: %s\nUsing %s.\n", question, about)
	s, err := research(ctx, model, question, stderr, opts...)
	if err != nil {
		return err
	}
	_, err = fmt.Fprintln(stdout, s.Answer)
	return err
}

func main() {
	db := flag.String("db", "", "record the runs in the run log `FILE` (see picoflow runs and picoflow monitor)")
	flag.Parse()
	// Ctrl-C cancels the context: the run stops between steps or mid-request.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, *db, flag.Args(), os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "agent:", err)
		os.Exit(1)
	}
}
