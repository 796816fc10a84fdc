#!/bin/bash
# same-dumps.sh OLD NEW VMCORE [WORKDIR]: two dumpling-collect binaries must
# write the same bytes. For VMCORE (an ELF vmcore) and two kdump-compressed
# dumps made from it by OLD (-d 1 -z, and -d 0), each of -d 0, 1, 31 with no
# compression, -z and -E: cmp the outputs and the exit codes. For a change
# that must not change dumps (the writer's batch split, a refactoring):
# build OLD from the base commit (git archive BASE | tar -x -C DIR, copy
# third_party/ in, make build/dumpling-collect there).
set -u
[ $# -ge 3 ] || { echo "usage: $0 OLD-COLLECT NEW-COLLECT VMCORE [WORKDIR]" >&2; exit 2; }
OLD=$1 NEW=$2 ELF=$3 T=${4:-$(mktemp -d)}
pass=0 fail=0
one() {	# INPUT ARGS...
	local in=$1; shift
	"$OLD" "$@" "$in" "$T/old.out" >"$T/old.log" 2>&1; local ro=$?
	"$NEW" "$@" "$in" "$T/new.out" >"$T/new.log" 2>&1; local rn=$?
	if [ $ro = $rn ] && cmp -s "$T/old.out" "$T/new.out"; then
		pass=$((pass + 1))
		echo "PASS: $(basename "$in") $*: the same $(stat -c %s "$T/new.out") bytes (exit $ro)"
	else
		fail=$((fail + 1))
		echo "FAIL: $(basename "$in") $*: exit $ro/$rn; $(cmp "$T/old.out" "$T/new.out" 2>&1 | head -1)"
	fi
}
"$OLD" -d 1 -z "$ELF" "$T/in.kdump" >/dev/null 2>&1 || { echo "FAIL: $OLD -d 1 -z $ELF"; exit 1; }
"$OLD" -d 0 "$ELF" "$T/in.kdump0" >/dev/null 2>&1 || { echo "FAIL: $OLD -d 0 $ELF"; exit 1; }
for in in "$ELF" "$T/in.kdump" "$T/in.kdump0"; do
	for d in 0 1 31; do
		one "$in" -d $d
		one "$in" -d $d -z
		one "$in" -d $d -E
	done
done
rm -f "$T/old.out" "$T/new.out" "$T/in.kdump" "$T/in.kdump0"
echo "$pass passed, $fail failed"
[ $fail = 0 ]
