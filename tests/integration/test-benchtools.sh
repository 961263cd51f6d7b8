#!/bin/bash
# The benchmark tools (bench/) measure what they claim: their results,
# exit codes, environments and the report's arithmetic, never timing
# (bench/selftest.sh, also `make bench-selftest`).  In the suite so that a
# change to a benchmark program (percall's loop, say) is checked by CI.
exec "$(dirname "$0")/../../bench/selftest.sh"
