package otelflow

// Open returns the number of runs t keeps state for: 0 once every run it
// traced has ended.
func Open(t *Tracer) int {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.runs)
}
