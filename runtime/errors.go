package runtime

import (
	"errors"
	"fmt"
	"strconv"
)

// Phase is the part of a node that was running when it failed. It is a
// small integer, not a string, because generated code records it at every
// phase of every step: a byte store costs less than a string's two words.
type Phase uint8

// The phases of a node, in the order they run; the zero Phase is none.
const (
	PhasePrep Phase = iota + 1
	PhaseExec
	PhasePost
	// PhaseMerge is a parallel group's: its members' stores are merged.
	PhaseMerge
)

// String returns the phase's name as the .pico writes it ("prep", "exec",
// "post"), or "" for the zero Phase.
func (p Phase) String() string {
	switch p {
	case PhasePrep:
		return "prep"
	case PhaseExec:
		return "exec"
	case PhasePost:
		return "post"
	case PhaseMerge:
		return "merge"
	}
	return ""
}

var (
	// ErrMaxSteps is wrapped by the error of a run that would exceed its
	// max_steps (see [WithMaxSteps]).
	ErrMaxSteps = errors.New("max_steps exceeded")
	// ErrBadAction is wrapped by the error of a run whose Post returned a
	// value outside the node's action type.
	ErrBadAction = errors.New("bad action")
	// ErrNilNode is wrapped by the error of a run whose flow has a node
	// field left nil.
	ErrNilNode = errors.New("nil node")
	// ErrSchemaMismatch is wrapped by the error of a Resume whose checkpoint
	// was saved with another store schema: its JSON would be misread.
	ErrSchemaMismatch = errors.New("store schema mismatch")
)

// NodeError is the error of a run that failed in a node: errors.As finds it
// in the error that a generated Run method returns.
type NodeError struct {
	Flow, Node string
	Step       int
	Phase      Phase
	Err        error
}

func (e *NodeError) Error() string {
	what := ": node "
	if e.Phase == PhaseMerge {
		what = ": group "
	}
	s := "flow " + e.Flow + what + e.Node + " (step " + strconv.Itoa(e.Step) + ")"
	if e.Phase != 0 {
		s += " " + e.Phase.String()
	}
	return s + ": " + errText(e.Err)
}

func (e *NodeError) Unwrap() error { return e.Err }

// errText keeps Error methods safe on a nil inner error.
func errText(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}

// PanicError holds a panic raised in node code: the value given to panic and
// the stack of the goroutine that panicked.
type PanicError struct {
	Value any
	Stack []byte
}

func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// Unwrap returns the panic value when it is an error, so that errors.Is and
// errors.As see through panic(err).
func (e *PanicError) Unwrap() error {
	err, _ := e.Value.(error)
	return err
}

// Permanent marks err as not worth retrying: Exec stops after the attempt
// that returned it. errors.Is and errors.As still see err. Permanent(nil) is
// nil.
func Permanent(err error) error {
	if err == nil {
		return nil
	}
	return &permanentError{err}
}

type permanentError struct{ err error }

func (e *permanentError) Error() string { return e.err.Error() }
func (e *permanentError) Unwrap() error { return e.err }

func isPermanent(err error) bool {
	var p *permanentError
	return errors.As(err, &p)
}

// IsPermanent reports whether err, or an error it wraps, was marked with
// [Permanent]: for an adapter that runs Exec under another retry engine
// (the Temporal module maps it to a non-retryable error).
func IsPermanent(err error) bool { return isPermanent(err) }

// MissingNode returns the error of a flow whose node field is nil; it wraps
// [ErrNilNode].
func MissingNode(flow, node string) error {
	return fmt.Errorf("flow %s: %w %s: set the %s field before running", flow, ErrNilNode, node, node)
}

// maxStepsError keeps the message free of the sentinel's own text while
// still matching ErrMaxSteps.
type maxStepsError struct {
	flow      string
	step, max int
}

func (e *maxStepsError) Error() string {
	return "flow " + e.flow + ": step " + strconv.Itoa(e.step) + " exceeds max_steps " + strconv.Itoa(e.max)
}

func (e *maxStepsError) Unwrap() error { return ErrMaxSteps }

// HookError is the error of a run whose hook panicked: Hook names it
// ("NodeEnd"), Value and Stack are the panic's, and Err is the error the
// hook was reporting, if any (a NodeError for NodeError, the run's error
// for FlowEnd), which errors.Is and errors.As see through it.
type HookError struct {
	Hook  string
	Value any
	Stack []byte
	Err   error
}

func (e *HookError) Error() string {
	msg := fmt.Sprintf("hook %s panicked: %v", e.Hook, e.Value)
	if e.Err != nil {
		msg += " (reporting: " + e.Err.Error() + ")"
	}
	return msg
}

func (e *HookError) Unwrap() error { return e.Err }
