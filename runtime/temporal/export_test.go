package temporal

// RunError is what Run.Get makes of a workflow's error, for the tests of
// the test environment, which has no client.
var RunError = runError
