package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// scripted is the offline model. It reads the same prompts a real model
// gets and answers them deterministically: search for the question while
// there are no notes, then answer with the first note that has a source. So
// the program runs, and its tests pass, anywhere, with no network.
type scripted struct{}

func (scripted) Complete(_ context.Context, messages []Message) (string, error) {
	if len(messages) != 2 {
		return "", fmt.Errorf("scripted model: want a system and a user message, got %d messages", len(messages))
	}
	question, notes := readPrompt(messages[1].Content)
	switch messages[0].Content {
	case decideSystem:
		if slices.ContainsFunc(notes, hasSource) {
			return `{"action": "answer", "reason": "The notes cover the question."}`, nil
		}
		if len(notes) > 0 {
			return `{"action": "answer", "reason": "The search found nothing; I will say so."}`, nil
		}
		// Fenced, as chat models often reply, to show that Decide copes.
		q, _ := json.Marshal(question)
		return "```json\n" + `{"action": "search", "reason": "I have no notes yet.", "query": ` + string(q) + "}\n```", nil
	case answerSystem:
		if i := slices.IndexFunc(notes, hasSource); i >= 0 {
			return notes[i], nil
		}
		return "My notes do not cover that question.", nil
	}
	return "", fmt.Errorf("scripted model: unknown system prompt %q", clip(messages[0].Content))
}

// hasSource reports whether a note came from a document of the corpus.
func hasSource(note string) bool { return strings.Contains(note, "(source: ") }

// readPrompt finds the question and the notes in a prompt made by
// userPrompt.
func readPrompt(prompt string) (question string, notes []string) {
	for _, line := range strings.Split(prompt, "\n") {
		if q, ok := strings.CutPrefix(line, "Question: "); ok {
			question = q
		} else if n, ok := strings.CutPrefix(line, "- "); ok {
			notes = append(notes, n)
		}
	}
	return question, notes
}

// document is one entry of the knowledge base.
type document struct{ id, text string }

// corpus is the knowledge base that Search looks in. It stays built in even
// with a real model: the example is about the flow, and a web search API
// would plug in behind the same Exec.
var corpus = []document{
	{"pocketflow", "PocketFlow is a 100-line Python framework for LLM applications: nodes with prep, exec and post steps share one store and are linked by named actions."},
	{"picoflow", "PicoFlow for Go compiles a .pico file describing a PocketFlow graph into typed Go: a store struct, node interfaces, action enums and flows with Run and Resume."},
	{"agent", "An agent is a flow with a loop: a decide node asks a model what to do next, a tool node does it, and control returns to decide until it chooses to answer."},
	{"retries", "PicoFlow retries only the exec phase of a node, pausing between attempts; an error with a RetryAfter method, such as an HTTP 429, sets the pause."},
	{"ollama", "Ollama runs open models such as Llama 3.2 on your own machine and serves an OpenAI-compatible API at http://localhost:11434/v1."},
}

// stopwords carry no topic, so they do not count as matches.
var stopwords = map[string]bool{
	"a": true, "an": true, "and": true, "are": true, "can": true, "do": true,
	"does": true, "for": true, "how": true, "in": true, "is": true, "it": true,
	"of": true, "on": true, "or": true, "the": true, "to": true, "what": true,
	"which": true, "who": true, "why": true, "with": true,
}

// keywords returns the lower-case words of s that are not stopwords.
func keywords(s string) map[string]bool {
	words := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsDigit(r)
	}) {
		if !stopwords[w] {
			words[w] = true
		}
	}
	return words
}

// lookup returns, as notes, up to limit documents sharing the most keywords
// with query, best first; ties keep the corpus order.
func lookup(docs []document, query string, limit int) []string {
	type hit struct {
		doc   document
		score int
	}
	terms := keywords(query)
	var hits []hit
	for _, d := range docs {
		words, score := keywords(d.id+" "+d.text), 0
		for t := range terms {
			if words[t] {
				score++
			}
		}
		if score > 0 {
			hits = append(hits, hit{d, score})
		}
	}
	slices.SortStableFunc(hits, func(a, b hit) int { return cmp.Compare(b.score, a.score) })
	var notes []string
	for _, h := range hits[:min(limit, len(hits))] {
		notes = append(notes, fmt.Sprintf("%s (source: %s)", h.doc.text, h.doc.id))
	}
	return notes
}
