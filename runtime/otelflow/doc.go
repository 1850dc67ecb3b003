// Package otelflow traces the runs of picoflow flows with OpenTelemetry: a
// span per run, a child span per step, retries, fallbacks and (optionally)
// the values node code emits as events of the step's span.
//
// It is a module of its own, so that OpenTelemetry's dependencies enter only
// the builds of programs that import it, never those that import just the
// runtime:
//
//	go get github.com/digital-duck/picoflow-go/runtime/otelflow
//
// Pass [Options] to a generated flow's Run, Resume or Resume<Node>:
//
//	err := flow.Run(ctx, s, otelflow.Options()...)
//
// The spans go to the global TracerProvider (otel.SetTracerProvider) unless
// [WithTracerProvider] names another. To trace many runs with one set of
// options, make a [Tracer] once with [New] and pass its Options to each run;
// runs may be at the same time, from any goroutines.
//
// # Spans
//
// The run's span, named "picoflow.run FLOW", is a child of the span in the
// context given to Run. Its attributes:
//
//	picoflow.flow         the flow that was run
//	picoflow.run_id       the run's ID (runtime.WithRunID, or a random one)
//	picoflow.steps        the number of the last step begun
//	picoflow.interrupted  true when the run stopped at an await node
//	picoflow.await_node   that node
//
// A run that fails records its error, and its status is Error; one that
// stops at an await node (its error unwraps to a *runtime.Interrupt) did
// what it should and is not marked as failed. A resumed run has a span of
// its own, with the run's ID, under the context given to Resume.
//
// Each step, one node run (prep, exec with its attempts, post), is a child
// span of the run's, named after the node, with these attributes:
//
//	picoflow.flow         the flow the node belongs to (a subflow's, for its steps)
//	picoflow.run_id       the run's ID
//	picoflow.node         the node
//	picoflow.step         the step's number in the run (absent only for a
//	                      parallel member refused before it began)
//	picoflow.action       the action the step took (none for a terminal node)
//	picoflow.attempts     the attempts of its Exec (of a batch node: the most
//	                      one element took)
//	picoflow.interrupted  true for an await node where the run stopped
//
// The context that Prep, Exec and Post receive carries the step's span, so
// the spans a model client starts there are its children. A step that fails
// records its error, and its status is Error. Its events:
//
//	retry     an Exec attempt failed and is tried again: picoflow.attempt
//	          (from 1), picoflow.wait (the pause, as "1.5s"), picoflow.error
//	fallback  every attempt failed and ExecFallback runs: picoflow.attempts,
//	          picoflow.error
//	emit      node code called runtime.Emit, with WithEmitEvents only:
//	          picoflow.value, the value as fmt prints it, cut to 512 bytes
//
// The steps of a subflow are steps of the same run, children of the run's
// span. The members of a parallel group are steps too, each a child of the
// run's span, whose spans overlap in time.
//
// A run that begins no step (a resumed run that had finished, or one whose
// context was done before its first step) has no span: the runtime gives
// the span's parent, the context, only to steps.
package otelflow
