#!/bin/bash
# The same integration tests in Syscall User Dispatch alone, no page 0 (ZPOLINE_MODE=sud).
# Apart from test-modes.sh so that each script stays within tests/run's
# time per script.
. "$(dirname "$0")/../lib.sh"
variant "mode sud" ZPOLINE_MODE=sud
finish
