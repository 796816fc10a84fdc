# `make bench`: dumpling-collect against makedumpfile on one vmcore
# (tests/bench/run.sh; results in build/bench/results.md, see docs/BENCHMARKS.md).
.DEFAULT_GOAL := all

bench: all
	tests/bench/run.sh
