#!/bin/bash
# The coverage oracle in the Syscall User Dispatch modes: the safety net
# (page 0 plus SUD) and SUD only.
COVERAGE_MODES="net sud" exec "$(dirname "$0")/test-coverage.sh"
