// Command branching triages support messages: a Classify node picks a topic,
// named edges route refunds, bugs and questions, and a wildcard edge sends
// every other topic to a person.
//
//	go run ./examples/branching "I want my money back" "the app crashes on start"
//	go run ./examples/branching -db runs.db   # then: picoflow runs -db runs.db
//
// With -db FILE each message's run is recorded in the run log at FILE (a
// SQLite database, see runtime/runlog), where picoflow runs and picoflow
// monitor show it.
package main

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/digital-duck/picoflow-go/runtime"
	"github.com/digital-duck/picoflow-go/runtime/runlog"
)

// keywords maps words to topics; the first topic whose word appears wins.
var keywords = []struct{ word, topic string }{
	{"refund", "refund"}, {"money back", "refund"},
	{"crash", "bug"}, {"error", "bug"}, {"broken", "bug"},
	{"how", "question"}, {"?", "question"},
	{"winner", "spam"}, {"free", "spam"},
}

type classify struct{}

func (classify) Prep(_ context.Context, t *Ticket) (string, error) {
	return strings.ToLower(t.Message), nil
}

func (classify) Exec(_ context.Context, message string) (string, error) {
	for _, k := range keywords {
		if strings.Contains(message, k.word) {
			return k.topic, nil
		}
	}
	return "other", nil
}

func (classify) Post(_ context.Context, t *Ticket, _ string, topic string) (ClassifyAction, error) {
	t.Topic = topic
	switch topic {
	case "refund":
		return ClassifyRefund, nil
	case "bug":
		return ClassifyBug, nil
	case "question":
		return ClassifyQuestion, nil
	case "spam":
		return ClassifySpam, nil
	}
	return ClassifyOther, nil
}

type refund struct{}

func (refund) Post(_ context.Context, t *Ticket) error {
	t.Reply = "Your refund is on its way."
	return nil
}

// fileBug numbers bug reports in the order they arrive.
type fileBug struct{ next *int }

func (b fileBug) Post(_ context.Context, t *Ticket) (FileBugAction, error) {
	*b.next++
	t.BugID = *b.next
	return FileBugFiled, nil
}

type answer struct{}

func (answer) Prep(_ context.Context, t *Ticket) (string, error) { return t.Topic, nil }

func (answer) Exec(_ context.Context, topic string) (string, error) {
	if topic == "bug" {
		return "Thanks, we are on it.", nil
	}
	return "See the FAQ at example.com/faq.", nil
}

func (answer) Post(_ context.Context, t *Ticket, _ string, reply string) error {
	if t.BugID > 0 {
		reply = fmt.Sprintf("%s (bug #%d)", reply, t.BugID)
	}
	t.Reply = reply
	return nil
}

type escalate struct{}

func (escalate) Post(_ context.Context, t *Ticket) error {
	t.Reply = "A person will read this."
	return nil
}

// triage runs the flow once per message, with opts, and prints topic and
// reply.
func triage(ctx context.Context, w io.Writer, messages []string, opts ...runtime.Option) error {
	bugs := 0
	flow := NewTriage(classify{}, refund{}, fileBug{next: &bugs}, answer{}, escalate{})
	for _, m := range messages {
		t := NewTicket()
		t.Message = m
		if err := flow.Run(ctx, t, opts...); err != nil {
			return err
		}
		fmt.Fprintf(w, "%-8s %q -> %s\n", t.Topic, m, t.Reply)
	}
	return nil
}

// run triages messages, recording the runs in the run log at db if set.
func run(ctx context.Context, w io.Writer, db string, messages []string) error {
	if db == "" {
		return triage(ctx, w, messages)
	}
	runLog, err := runlog.Open(db)
	if err != nil {
		return err
	}
	defer runLog.Close()
	return triage(ctx, w, messages, runLog.Options()...)
}

func main() {
	db := flag.String("db", "", "record the runs in the run log `FILE` (see picoflow runs and picoflow monitor)")
	flag.Parse()
	messages := flag.Args()
	if len(messages) == 0 {
		messages = []string{
			"I want my money back",
			"The app crashes on start",
			"How do I export my data?",
			"You are a WINNER",
			"Nice weather today",
		}
	}
	if err := run(context.Background(), os.Stdout, *db, messages); err != nil {
		fmt.Fprintln(os.Stderr, "branching:", err)
		os.Exit(1)
	}
}
