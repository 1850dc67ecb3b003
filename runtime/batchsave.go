package runtime

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"sync"
	"time"
)

// BatchSaveEvery is how often, at most, a batch in flight saves the
// elements completed since its last save: a 10,000-element batch does not
// write 10,000 checkpoints, and a crash loses at most this long's worth of
// completed elements (they run again on resume).
var BatchSaveEvery = 100 * time.Millisecond

// batchSaver records the completed elements of one batch and saves them,
// coalesced, while the batch runs. Elements' goroutines call done; one
// goroutine of its own saves.
type batchSaver struct {
	r     *Run
	node  string
	items string // the elements' fingerprint
	mu    sync.Mutex
	done  map[string]json.RawMessage
	dirty bool
	stop  chan struct{}
	quit  sync.WaitGroup
	store []byte // the store, encoded at the first save: Exec cannot change it
}

// batchProgress starts recording the batch of items of the current node,
// when the run saves checkpoints as it goes (not with DurabilityExit, which
// saves only when the run stops), and returns the results a resumed run
// saved for the same elements; nil, nil when neither applies.
func batchProgress[P any](r *Run, items []P) (*batchSaver, map[string]json.RawMessage) {
	saving := r.cp != nil && r.encode != nil
	if !saving && r.resumeBatch == nil {
		return nil, nil
	}
	b, err := json.Marshal(items)
	if err != nil {
		return nil, nil
	}
	sum := sha256.Sum256(b)
	fp := hex.EncodeToString(sum[:8])
	var resumed map[string]json.RawMessage
	// A resumed run begins at the batch node its progress is of: its batch
	// is the first.
	if p := r.resumeBatch; p != nil {
		r.resumeBatch = nil
		if p.Items == fp {
			resumed = p.Results
		}
	}
	if !saving || r.saves.mode == DurabilityExit {
		return nil, resumed
	}
	r.saves.settle() // one save of a run at a time: the last step's first
	sv := &batchSaver{r: r, node: r.node, items: fp, done: map[string]json.RawMessage{}, stop: make(chan struct{})}
	for k, v := range resumed {
		sv.done[k] = v // still done, should the run stop again
	}
	sv.quit.Add(1)
	go sv.loop()
	return sv, resumed
}

// completed records element i's result.
func (sv *batchSaver) completed(i int, result any) {
	b, err := json.Marshal(result)
	if err != nil {
		return // it runs again on resume
	}
	sv.mu.Lock()
	sv.done[strconv.Itoa(i)] = b
	sv.dirty = true
	sv.mu.Unlock()
}

// loop saves what completed, at most every BatchSaveEvery, until close.
func (sv *batchSaver) loop() {
	defer sv.quit.Done()
	t := time.NewTicker(BatchSaveEvery)
	defer t.Stop()
	for {
		select {
		case <-sv.stop:
			return
		case <-t.C:
			sv.save()
		}
	}
}

// save writes a checkpoint of the steps before the batch's, with the
// elements completed so far. A failure is not the run's: the step's own
// checkpoint follows, and a lost progress file only means elements run
// again.
func (sv *batchSaver) save() {
	sv.mu.Lock()
	if !sv.dirty {
		sv.mu.Unlock()
		return
	}
	sv.dirty = false
	results := make(map[string]json.RawMessage, len(sv.done))
	for k, v := range sv.done {
		results[k] = v
	}
	sv.mu.Unlock()
	r := sv.r
	if sv.store == nil {
		store, err := r.encode(nil)
		if err != nil {
			return
		}
		sv.store = store
	}
	cp := r.newCheckpoint(r.step-1, sv.node, sv.node, sv.store)
	cp.Batch = &BatchProgress{Node: sv.node, Items: sv.items, Results: results}
	_ = r.cp.Save(r.stepContext(), cp)
}

// close stops saving; the step's own checkpoint supersedes the progress.
func (sv *batchSaver) close() {
	if sv == nil {
		return
	}
	close(sv.stop)
	sv.quit.Wait()
}
