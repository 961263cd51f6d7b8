#!/bin/bash
# The same integration tests in detour mode: no page 0, each site jumps to a trampoline of its own (ZPOLINE_MODE=detour).
# Apart from test-modes.sh so that each script stays within tests/run's
# time per script.
. "$(dirname "$0")/../lib.sh"
variant "mode detour" ZPOLINE_MODE=detour
finish
