package e2e_test

import (
	"path/filepath"
	"testing"

	"github.com/digital-duck/picoflow-go/internal/e2e/temporal/e2eflow"
	"go.temporal.io/sdk/worker"
)

// The histories of runs on the server, recorded by the tests with -update
// (work: the first of Loop's three runs in TestKill, which ends by
// continuing as new; approval and fanout: TestClient's), replay on the
// workflows as they are now, registered alone with the options of the
// workers that ran them. A change to the flows or the adapter that makes
// the workflow decide otherwise fails here: record the histories again
// only for a change that no running workflow will see.
func TestReplay(t *testing.T) {
	for _, name := range []string{"work", "approval", "fanout"} {
		t.Run(name, func(t *testing.T) {
			r := worker.NewWorkflowReplayer()
			e2eflow.RegisterWorkflows(r)
			if err := r.ReplayWorkflowHistoryFromJSONFile(quiet(), filepath.Join("testdata", name+".history.json")); err != nil {
				t.Fatal(err)
			}
		})
	}
}
