# Static analysis (tools/lint.sh): clang-tidy with the checks in .clang-tidy
# and cppcheck, over every C source.  Needs the generated headers, so it
# runs after the build.  CI runs it after `make check`.
lint: all
	B=$(B) tools/lint.sh

.PHONY: lint
