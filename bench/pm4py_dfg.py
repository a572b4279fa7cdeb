"""What pm4py does for the same job as `vsm discover`: import the log, then the directly-follows
graph with frequencies and durations. Used by bench/ingest.sh for the side-by-side figure."""
import sys

import pm4py

log = pm4py.read_xes(sys.argv[1])
frequency, start, end = pm4py.discover_dfg(log)
performance, _, _ = pm4py.discover_performance_dfg(log)
print(len(log), len(frequency), len(performance))
