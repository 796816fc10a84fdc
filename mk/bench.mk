# `make bench`: dumpling-collect against makedumpfile on one vmcore, then the
# raw and NFS targets' throughput (tests/bench/targets.sh)
# (tests/bench/run.sh; results in build/bench/results.md, see docs/BENCHMARKS.md).
.DEFAULT_GOAL := all

bench: all
	BENCH_LEVEL=31 tests/bench/run.sh
	BENCH_LEVEL=1 BENCH_APPEND=1 tests/bench/run.sh
	tests/bench/smp.sh
	tests/bench/targets.sh
	tests/bench/queue_depth.sh
