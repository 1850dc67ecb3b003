// Package approval runs flows that stop to wait for a person's answer.
package approval

//go:generate go run github.com/digital-duck/picoflow-go/cmd/picoflow generate

import (
	"context"
	"fmt"
)

type write struct{}

func (write) Prep(_ context.Context, s *Doc) (int, error) { return s.Drafts, nil }
func (write) Post(_ context.Context, s *Doc, n int) (WriteAction, error) {
	s.Drafts = n + 1
	s.Draft = fmt.Sprintf("draft %d", s.Drafts)
	return WriteNext, nil
}

// approve counts its Preps, to show that a resumed run does not ask again.
type approve struct{ asked *int }

func (a approve) Prep(_ context.Context, s *Doc) (string, error) {
	*a.asked++
	return s.Draft, nil
}

func (approve) Post(_ context.Context, _ *Doc, _ string, yes bool) (ApproveAction, error) {
	if yes {
		return ApproveYes, nil
	}
	return ApproveNo, nil
}

type publish struct{}

func (publish) Prep(_ context.Context, s *Doc) (string, error) { return s.Draft, nil }
func (publish) Post(_ context.Context, s *Doc, draft string) (PublishAction, error) {
	s.Published = draft
	return PublishDone, nil
}

type archive struct{}

func (archive) Post(context.Context, *Doc) error { return nil }
