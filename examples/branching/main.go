// Command branching triages support messages: a Classify node picks a topic,
// named edges route refunds, bugs and questions, and a wildcard edge sends
// every other topic to a person.
//
//	go run ./examples/branching "I want my money back" "the app crashes on start"
package main

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate

import (
	"context"
	"fmt"
	"io"
	"os"
	"strings"
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

// triage runs the flow once per message and prints topic and reply.
func triage(ctx context.Context, w io.Writer, messages []string) error {
	bugs := 0
	flow := NewTriage(classify{}, refund{}, fileBug{next: &bugs}, answer{}, escalate{})
	for _, m := range messages {
		t := NewTicket()
		t.Message = m
		if err := flow.Run(ctx, t); err != nil {
			return err
		}
		fmt.Fprintf(w, "%-8s %q -> %s\n", t.Topic, m, t.Reply)
	}
	return nil
}

func main() {
	messages := os.Args[1:]
	if len(messages) == 0 {
		messages = []string{
			"I want my money back",
			"The app crashes on start",
			"How do I export my data?",
			"You are a WINNER",
			"Nice weather today",
		}
	}
	if err := triage(context.Background(), os.Stdout, messages); err != nil {
		fmt.Fprintln(os.Stderr, "branching:", err)
		os.Exit(1)
	}
}
