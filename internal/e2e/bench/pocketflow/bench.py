"""The counting loop of ../bench.pico, run by PocketFlow, for the README's
speed table.

Go's benchmarks (go test -bench . -benchmem ./internal/e2e/bench) time the
generated flow and a hand-written Go loop; this script times the same loop
as a PocketFlow flow and as a hand-written Python loop, so that the figures
can be set side by side. It needs PocketFlow on the path:

    pip install pocketflow
    python3 internal/e2e/bench/pocketflow/bench.py

Each case runs ROUNDS rounds of Tick then Check (2*ROUNDS steps) per run;
the figure is the median over RUNS runs, in nanoseconds per step.
"""

import json
import warnings
import statistics
import sys
import time

from pocketflow import Flow, Node

ROUNDS = 500
RUNS = 200


def small_json(n):
    # The same stand-in for a node's least real work as nodes.go's encode.
    return json.dumps({"role": "user", "content": "count one more", "n": n})


class Tick(Node):
    def __init__(self, encode):
        super().__init__()
        self.encode = encode

    def prep(self, shared):
        return shared["count"]

    def exec(self, prep_res):
        if self.encode:
            small_json(prep_res)
        return prep_res + 1

    def post(self, shared, prep_res, exec_res):
        shared["count"] = exec_res
        return "next"


class Check(Node):
    def prep(self, shared):
        return shared["count"]

    def post(self, shared, prep_res, exec_res):
        return "more" if prep_res < ROUNDS else "done"


def pocketflow_run(encode):
    tick, check = Tick(encode), Check()
    tick - "next" >> check
    check - "more" >> tick
    flow = Flow(start=tick)

    def run():
        shared = {"count": 0}
        flow.run(shared)
        return shared["count"]

    return run


def hand_written_run(encode):
    # The loop a person would write by hand over the same nodes, as
    # bench_test.go's handWritten does in Go.
    tick, check = Tick(encode), Check()

    def run():
        shared = {"count": 0}
        at = tick
        while True:
            if at is tick:
                p = tick.prep(shared)
                e = tick.exec(p)
                tick.post(shared, p, e)
                at = check
            else:
                p = check.prep(shared)
                if check.post(shared, p, None) == "done":
                    return shared["count"]
                at = tick

    return run


def measure(run):
    if run() != ROUNDS:
        sys.exit("the loop did not count to %d" % ROUNDS)
    times = []
    for _ in range(RUNS):
        start = time.perf_counter_ns()
        run()
        times.append(time.perf_counter_ns() - start)
    return statistics.median(times) / (2 * ROUNDS)


def main():
    import pocketflow

    # PocketFlow warns when a run ends on an action with no successor, which
    # is how this loop (like every PocketFlow flow) finishes.
    warnings.simplefilter("ignore")

    print("python %s, pocketflow from %s" % (sys.version.split()[0], pocketflow.__file__))
    print("%-32s %10s" % ("case", "ns/step"))
    for name, make, encode in [
        ("hand-written Python loop", hand_written_run, False),
        ("PocketFlow flow", pocketflow_run, False),
        ("hand-written Python loop, JSON", hand_written_run, True),
        ("PocketFlow flow, JSON", pocketflow_run, True),
    ]:
        print("%-32s %10.0f" % (name, measure(make(encode))))


if __name__ == "__main__":
    main()
