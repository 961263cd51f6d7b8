#!/bin/bash
# The coverage oracle in detour mode (no page 0; sites jump to trampolines
# of their own, src/runtime/detour.c).
COVERAGE_MODES="detour" exec "$(dirname "$0")/test-coverage.sh"
