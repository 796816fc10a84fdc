#!/bin/bash
# nfs target end to end: a real NFS server (nfs-ganesha, VFS backend) on this
# machine, reached from the guest through QEMU user networking (the host is
# 10.0.2.2; slirp turns the guest's connections into connections to
# 127.0.0.1, where ganesha and rpcbind listen). Nothing leaves the machine.
#
# Runs (each one QEMU boot):
#   virtio-net   dump to <export>/var/crash/10.0.2.15-<date>/vmcore, crash
#                opens it, vmcore-dmesg.txt has the panic line
#   down         the server is gone but still registered with rpcbind (killed
#                without unregistering): the image gives up within
#                dumpling_timeout, says why, runs failure_action, QEMU exits
#   unregistered rpcbind answers but has no MOUNT registered: the image is
#                refused at once, says so, runs failure_action
#   reset        ganesha is killed and restarted during the dump; the image
#                reconnects, re-sends, and the dump completes
#   inflight1    (E2E_FULL=1) the virtio-net dump with dumpling.nfs_inflight=1: one WRITE
#                at a time (virtio-net itself checks that several were in flight)
#   e1000        the same dump over an e1000 card (needs linux-image-amd64,
#                the cloud kernel has no e1000 driver)
# NFS_RUNS="virtio-net e1000 ..." runs just those; NFS_LEVEL sets their dump level
# (default 31; tests/bench/targets.sh uses 0). NFS_MACHINE adds QEMU arguments
# (a q35 machine with an IOMMU: suites/iommu.sh), NFS_VIRTIO_OPTS options to the
# virtio-net device (,iommu_platform=on). NFS_INFLIGHT=N gives every run's image
# dumpling.nfs_inflight=N (tests/bench/targets.sh: one WRITE against several).
set -uo pipefail

. "$(dirname "$0")/../lib.sh"

E2E_OUT=${E2E_OUT%/}/nfs
NFS_DIR=$E2E_OUT/server
EXPORT=$NFS_DIR/export
GUEST_IP=10.0.2.15
TIMEOUT_S=${NFS_TIMEOUT_S:-20}
RPCBIND_PID=
GANESHA_PID=

# ---- the server ---------------------------------------------------------------
nfs_config() {
	cat >"$NFS_DIR/ganesha.conf" <<-EOF2
	NFS_CORE_PARAM {
		Protocols = 3;
		NFS_Port = 2049;
		Bind_addr = 127.0.0.1;
		Enable_NLM = false;
		Enable_RQUOTA = false;
	}
	NFSV4 { Graceless = true; }
	NFS_KRB5 { Active_krb5 = false; }
	EXPORT {
		Export_Id = 1;
		Path = $EXPORT;
		Pseudo = $EXPORT;
		Protocols = 3;
		Transports = TCP;
		Access_Type = RW;
		Squash = No_Root_Squash;
		SecType = sys;
		FSAL { Name = VFS; }
	}
	LOG { Default_Log_Level = EVENT; }
	EOF2
}

rpcbind_start() {
	if rpcinfo -p 127.0.0.1 >/dev/null 2>&1; then
		note "rpcbind already running"
		return 0
	fi
	rpcbind -f -w >"$NFS_DIR/rpcbind.log" 2>&1 &
	RPCBIND_PID=$!
	for _ in $(seq 50); do
		rpcinfo -p 127.0.0.1 >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	return 1
}

ganesha_start() {
	[ -n "$GANESHA_PID" ] && kill -0 "$GANESHA_PID" 2>/dev/null && return 0
	ganesha.nfsd -F -f "$NFS_DIR/ganesha.conf" -L "$NFS_DIR/ganesha.log" \
		-p "$NFS_DIR/ganesha.pid" >>"$NFS_DIR/ganesha.out" 2>&1 &
	GANESHA_PID=$!
	for _ in $(seq 100); do
		rpcinfo -p 127.0.0.1 2>/dev/null | grep -q ' 100005 *3 *tcp' && return 0
		kill -0 "$GANESHA_PID" 2>/dev/null || return 1
		sleep 0.1
	done
	return 1
}

ganesha_stop() {
	[ -n "$GANESHA_PID" ] || return 0
	kill "$GANESHA_PID" 2>/dev/null
	for _ in $(seq 100); do
		kill -0 "$GANESHA_PID" 2>/dev/null || break
		sleep 0.1
	done
	kill -9 "$GANESHA_PID" 2>/dev/null
	wait "$GANESHA_PID" 2>/dev/null
	GANESHA_PID=
	unregister
}

rpcbind_stop() {
	[ -n "$RPCBIND_PID" ] || return 0
	kill "$RPCBIND_PID" 2>/dev/null
	wait "$RPCBIND_PID" 2>/dev/null
	RPCBIND_PID=
}

cleanup() {
	[ -n "${WATCH_PID:-}" ] && kill "$WATCH_PID" 2>/dev/null
	ganesha_stop
	rpcbind_stop
}
trap cleanup EXIT

# ---- one run --------------------------------------------------------------------
# nfs_boot NAME NIC: boots with a NIC model, config "nfs 10.0.2.2:$EXPORT".
nfs_boot() {
	local name=$1 nic=$2
	E2E_QEMU_EXTRA="${NFS_MACHINE:-} -netdev user,id=n0 -device $nic,netdev=n0" \
	E2E_APPEND="dtest.net=$GUEST_IP/24" \
		e2e_boot dumpling "$E2E_OUT/$name"
}

# The newest dump directory under the export.
dump_dir() {
	ls -1d "$EXPORT"/var/crash/"$GUEST_IP"-* 2>/dev/null | tail -n 1
}

# nfs_check_dump NAME: the files on the server, then crash on the vmcore.
nfs_check_dump() {
	local name=$1 out=$E2E_OUT/$1 dir
	e2e_check_boot "$name" "$out"
	note "$name: $(tr '\n' ' ' <"$out/timing.txt")"
	dir=$(dump_dir)
	check "$name: dump directory <export>/var/crash/$GUEST_IP-<date> (${dir##*/})" \
		[ -n "$dir" ]
	check "$name: directory name is <ip>-YYYY-MM-DD-HH:MM:SS" \
		grep -qE "/$GUEST_IP-[0-9]{4}-[0-9]{2}-[0-9]{2}-[0-9]{2}:[0-9]{2}:[0-9]{2}\$" <<<"$dir"
	check "$name: vmcore is mode 0400" [ "$(stat -c %a "$dir/vmcore" 2>/dev/null)" = 400 ]
	check "$name: vmcore-dmesg.txt has the panic line" \
		grep -qE 'sysrq: Trigger a crash|Kernel panic - not syncing: sysrq triggered crash' \
		"$dir/vmcore-dmesg.txt"
	e2e_check_runlog "$name" "$dir/dumpling.log"
	e2e_crash "$name" "$dir/vmcore" "$out"
	cp "$dir/vmcore-dmesg.txt" "$dir/dumpling.log" "$out/" 2>/dev/null
	ls -l "$dir" >"$out/dump-files.txt" 2>&1
	[ -n "${E2E_KEEP_DISK:-}" ] || rm -rf "$dir" "$out/disk.img"
}

run_dump() {	# NAME NIC
	nfs_boot "$1" "$2"
	nfs_check_dump "$1"
}

# The most WRITEs the image had in flight, from its last line about the vmcore.
most_in_flight() {	# NAME
	sed -n 's/.* \([0-9]*\) WRITEs in flight at most (of \([0-9]*\)).*/\1 \2/p' \
		"$E2E_OUT/$1/serial.log" | tail -n 1
}

# inflight_hook N: a guest script (E2E_PREPANIC) that loads the image again,
# the way `dumpling load` would, with dumpling.nfs_inflight=N added: the
# loader has no directive for a benchmark knob.
inflight_hook() {
	local f=$NFS_DIR/inflight-$1.sh
	cat >"$f" <<-EOF2
	#!/bin/sh
	cmdline=\$(dumpling cmdline) || exit 1
	echo "DTEST: reload with dumpling.nfs_inflight=$1"
	kexec -s -p /usr/lib/dumpling/dumpling.img --append="\$cmdline dumpling.nfs_inflight=$1"
	EOF2
	chmod +x "$f"
	echo "$f"
}

# inflight1: one WRITE at a time, and a complete dump.
run_inflight1() {
	local name=inflight1 seen
	nfs_boot "$name" virtio-net-pci
	check "$name: the image was told one WRITE in flight" \
		grep -aq 'vmcore (write size [0-9]*, 1 WRITEs in flight, dumpling.nfs_inflight)' \
		"$E2E_OUT/$name/serial.log"
	seen=$(most_in_flight "$name")
	check "$name: never more than one WRITE in flight (${seen:-none} of one)" \
		[ "$seen" = "1 1" ]
	nfs_check_dump "$name"
}

# Unregisters the server's programs, so GETPORT does not point at a dead port.
unregister() {
	rpcinfo -d 100005 3 >/dev/null 2>&1; rpcinfo -d 100005 1 >/dev/null 2>&1
	rpcinfo -d 100003 3 >/dev/null 2>&1
}

# A server that died without unregistering: rpcbind still answers GETPORT
# with its ports, and nothing listens there.
ganesha_crash() {
	kill -9 "$GANESHA_PID" 2>/dev/null
	wait "$GANESHA_PID" 2>/dev/null
	GANESHA_PID=
}

# boot_gone NAME: a dump to a server that is not there; the image must give
# up and run failure_action (reboot, so QEMU exits) with nothing written.
# Sets START (the capture image's first line) and FIN (QEMU's exit), in
# seconds from QEMU's start.
boot_gone() {
	local name=$1 out=$E2E_OUT/$1 panic
	E2E_CAPTURE_DONE_RE="dump failed" E2E_CAPTURE_BAD_RE="dumped [0-9]+ pages" \
		nfs_boot "$name" virtio-net-pci
	check "$name: QEMU exited by itself" [ "$(cat "$out/qemu.rc")" = 0 ]
	panic=$(e2e_when "$out" 'sysrq: Trigger a crash')
	START=$(e2e_when "$out" "$E2E_CAPTURE_RE" "${panic:-0}")
	FIN=$(awk -F= '$1 == "qemu_total_s" { print $2 }' "$out/timing.txt")
	grep -a 'dump failed' "$out/serial.log" | head -n 2 | sed "s/^/$name: /"
	check "$name: failure_action ran (reboot)" grep -aqiE 'failure_action|rebooting' "$out/serial.log"
	check "$name: nothing written" [ -z "$(dump_dir)" ]
}

# down: the server is gone but its registration is left behind (killed
# without unregistering): every connection is refused, and the image gives up
# after dumpling_timeout.
run_down() {
	local name=down out=$E2E_OUT/down
	start_server || return
	ganesha_crash
	check "$name: MOUNT v3 is still registered with rpcbind" \
		bash -c "rpcinfo -p 127.0.0.1 | grep -q ' 100005 *3 *tcp'"
	boot_gone "$name"
	check "$name: the image says why it gave up (no reply for ${TIMEOUT_S} s)" \
		grep -aqE "no reply for $TIMEOUT_S s.*giving up" "$out/serial.log"
	check "$name: gave up within ${TIMEOUT_S}s + 15s (took $(e2e_sub "$FIN" "$START") s)" \
		awk -v a="$FIN" -v b="$START" -v t="$TIMEOUT_S" 'BEGIN { exit !(b != "" && a - b < t + 15) }'
	unregister
}

# unregistered: rpcbind answers, but no MOUNT is registered (the server was
# stopped cleanly): the image is refused at once and says so.
run_unregistered() {
	local name=unregistered out=$E2E_OUT/unregistered
	rpcbind_start || { fail "$name: start rpcbind"; return; }
	ganesha_stop
	unregister
	check "$name: MOUNT v3 is not registered with rpcbind" \
		bash -c "! rpcinfo -p 127.0.0.1 | grep -q ' 100005 '"
	boot_gone "$name"
	check "$name: the image says the server has no MOUNT registered" \
		grep -aq "has no MOUNT v3 over TCP registered with its portmapper (is the NFS server running?)" \
		"$out/serial.log"
	check "$name: refused at once, not after dumpling_timeout (took $(e2e_sub "$FIN" "$START") s)" \
		awk -v a="$FIN" -v b="$START" -v t="$TIMEOUT_S" 'BEGIN { exit !(b != "" && a - b < t) }'
}

# Restart ganesha once the image has started writing.
run_reset() {
	local name=reset out=$E2E_OUT/reset
	(
		for _ in $(seq 1200); do
			if grep -aq 'nfs: created' "$out/serial.log" 2>/dev/null; then
				sleep 3
				echo "e2e: reset: killing ganesha during the dump" >&2
				kill -9 "$(cat "$NFS_DIR/ganesha.pid" 2>/dev/null)" 2>/dev/null
				sleep 3
				ganesha.nfsd -f "$NFS_DIR/ganesha.conf" -L "$NFS_DIR/ganesha.log" \
					-p "$NFS_DIR/ganesha.pid" >>"$NFS_DIR/ganesha.out" 2>&1
				echo "e2e: reset: ganesha restarted" >&2
				exit 0
			fi
			sleep 0.5
		done
	) &
	WATCH_PID=$!
	nfs_boot "$name" virtio-net-pci
	kill "$WATCH_PID" 2>/dev/null
	wait "$WATCH_PID" 2>/dev/null
	WATCH_PID=
	check "$name: the image saw the connection drop" \
		grep -aqE 'nfs: NFS .*(reset|closed|timed out|no reply)' "$out/serial.log"
	check "$name: and reconnected" grep -aq 'reconnected' "$out/serial.log"
	nfs_check_dump "$name"
	# The restarted ganesha daemonized itself: stop it by its pid file.
	kill "$(cat "$NFS_DIR/ganesha.pid" 2>/dev/null)" 2>/dev/null
	sleep 1
}

# ---- main -----------------------------------------------------------------------
rm -rf "$E2E_OUT" && mkdir -p "$NFS_DIR" "$EXPORT"
for t in ganesha.nfsd rpcbind rpcinfo; do
	command -v "$t" >/dev/null || { fail "$t is not installed (make deps)"; e2e_summary; exit 1; }
done
nfs_config

E2E_CONF_TARGET="nfs 10.0.2.2:$EXPORT"
export E2E_CONF_TARGET
# dump_level 31 keeps the dump small (free and zero pages left out); the reset
# run writes everything (level 0, about 1 GiB) so the dump lasts long enough to
# restart the server in the middle of it.
conf_level() {
	E2E_CONF_EXTRA="path /var/crash
dumpling_timeout $TIMEOUT_S
core_collector makedumpfile -d $1"
	export E2E_CONF_EXTRA
}
conf_level "${NFS_LEVEL:-31}"
if [ -n "${NFS_INFLIGHT:-}" ]; then
	E2E_PREPANIC=$(inflight_hook "$NFS_INFLIGHT")
	export E2E_PREPANIC
fi

start_server() {
	ganesha_stop	# one of ours from an earlier run would hold the port
	rpcbind_start || { fail "start rpcbind"; return 1; }
	ganesha_start || { fail "start nfs-ganesha (see $NFS_DIR/ganesha.log)"; return 1; }
}

build_guest() {	# KERNEL_PKG EXTRA_MODULES
	E2E_KERNEL_PKG=$1 KERNEL_MODULES=$2 e2e_kernel || { fail "fetch kernel $1"; return 1; }
	e2e_initramfs yes || { fail "build the initramfs"; return 1; }
}

# NFS_RUNS picks runs by name (for debugging one of them).
runs=${NFS_RUNS:-virtio-net down unregistered reset e1000${E2E_FULL:+ inflight1}}
want() { [[ " $runs " == *" $1 "* ]]; }

if want virtio-net || want reset || want down || want unregistered; then
	if build_guest "$E2E_KERNEL_PKG" "virtio_net"; then
		if want virtio-net && start_server; then
			run_dump virtio-net "virtio-net-pci${NFS_VIRTIO_OPTS:-}"
			seen=$(most_in_flight virtio-net)
			[ -n "${NFS_INFLIGHT:-}" ] || check \
				"virtio-net: several WRITEs in flight at once (${seen:-none}: at most, of)" \
				awk -v s="$seen" 'BEGIN { split(s, a, " "); exit !(a[1] > 1 && a[1] <= a[2]) }'
		fi
		want down && run_down
		want unregistered && run_unregistered
		if want reset; then
			# A new initramfs: it carries the dump level.
			conf_level 0
			build_guest "$E2E_KERNEL_PKG" "virtio_net" && start_server && run_reset
			conf_level "${NFS_LEVEL:-31}"
		fi
		if want inflight1 && [ -z "${NFS_INFLIGHT:-}" ]; then
			E2E_PREPANIC=$(inflight_hook 1) build_guest "$E2E_KERNEL_PKG" "virtio_net" &&
				start_server && run_inflight1
		fi
	fi
fi
if want e1000 && build_guest linux-image-amd64 "virtio_net e1000"; then
	start_server && run_dump e1000 e1000
fi
cleanup
e2e_summary
