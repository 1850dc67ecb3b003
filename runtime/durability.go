package runtime

import (
	"context"
	"fmt"
)

// Durability says when the checkpoints of a run are saved: it trades what a
// crash (a SIGKILL, a power cut) loses against what each step costs. Every
// mode saves the same checkpoints of a run that stops on its own; they
// differ only in what a crash can lose.
type Durability uint8

const (
	// DurabilitySync, the default, saves a step's checkpoint before the
	// next step begins. A crash loses only the step in flight: the latest
	// checkpoint on disk is that of the last step that completed.
	DurabilitySync Durability = iota
	// DurabilityAsync saves a step's checkpoint while the next step runs:
	// the disk's latency leaves the run's path. A crash loses at most the
	// step in flight and the one before it, whose save was under way: the
	// latest checkpoint on disk is that of the last completed step or of
	// the step before. A save that fails fails the run one step late, at
	// the end of the next step (or when the run stops).
	DurabilityAsync
	// DurabilityExit saves only when the run stops: finished, failed,
	// canceled, or refused a step. It saves the checkpoint of the last step
	// that completed, so a failed run resumes at the failed node with the
	// store it found. A crash loses the whole run since it began (or was
	// resumed): no checkpoint of it is on disk. Each step still encodes its
	// store, but writes nothing.
	DurabilityExit
)

func (d Durability) String() string {
	switch d {
	case DurabilitySync:
		return "sync"
	case DurabilityAsync:
		return "async"
	case DurabilityExit:
		return "exit"
	}
	return fmt.Sprintf("Durability(%d)", uint8(d))
}

// durable saves the checkpoints of one run as its mode says. Only the run's
// own goroutine calls it; with DurabilityAsync one save at a time runs on
// a goroutine of its own.
type durable struct {
	mode    Durability
	done    chan error  // DurabilityAsync: the result of the save under way
	pending bool        // DurabilityAsync: a save is under way
	last    *Checkpoint // DurabilityExit: the latest checkpoint, not saved yet
	failed  error       // DurabilityAsync: a save's error, taken early (see settle), to report at the next step
}

// settle waits for the save under way, so that nothing else saves at the
// same time; its error is kept for the next step to report.
func (d *durable) settle() {
	if err := d.wait(); err != nil && d.failed == nil {
		d.failed = err
	}
}

// step handles the checkpoint of a step that just ended.
func (d *durable) step(ctx context.Context, c Checkpointer, cp *Checkpoint) error {
	switch d.mode {
	case DurabilityAsync:
		// The previous save must be done before the next starts: saves of
		// one run never overlap, and its error is reported here.
		if err := d.wait(); err != nil {
			return err
		}
		if err := d.failed; err != nil {
			d.failed = nil
			return err
		}
		if d.done == nil {
			d.done = make(chan error, 1)
		}
		d.pending = true
		go func() { d.done <- saveErr(c.Save(ctx, cp), cp) }()
		return nil
	case DurabilityExit:
		d.last = cp
		return nil
	}
	return saveErr(c.Save(ctx, cp), cp)
}

// flush saves what the run has not saved yet, when it stops.
func (d *durable) flush(ctx context.Context, c Checkpointer) error {
	if cp := d.last; cp != nil {
		d.last = nil
		return saveErr(c.Save(ctx, cp), cp)
	}
	if err := d.failed; err != nil {
		d.failed = nil
		return err
	}
	return d.wait()
}

// wait waits for the save under way, if any, and returns its error.
func (d *durable) wait() error {
	if !d.pending {
		return nil
	}
	d.pending = false
	return <-d.done
}

// saveErr names the step and flow of a failed save.
func saveErr(err error, cp *Checkpoint) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("flow %s: checkpoint after step %d: %w", cp.Flow, cp.Step, err)
}
