# `make bench`: dumpling-collect against makedumpfile on one vmcore, then the
# raw and NFS targets' throughput (tests/bench/targets.sh)
# (tests/bench/run.sh; results in build/bench/results.md, see docs/BENCHMARKS.md).
.DEFAULT_GOAL := all

bench: all
	tests/bench/run.sh
	tests/bench/targets.sh
	tests/bench/queue_depth.sh
