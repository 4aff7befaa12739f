#!/usr/bin/env bats
# Namespaces: created new, joined by path, user mappings, time offsets.
load helpers

setup() { common_setup; }
teardown() {
	common_teardown
	ip netns del "roci-test-$BATS_TEST_NUMBER" 2>/dev/null || true
	ip link del "roci-t$$h" 2>/dev/null || true
}

@test "new namespaces differ from the host's" {
	update_config '.linux.namespaces = [{"type":"pid"},{"type":"network"},{"type":"ipc"},{"type":"uts"},{"type":"mount"},{"type":"cgroup"}]'
	set_args sh -c 'for n in pid net ipc uts mnt cgroup; do echo "$n $(readlink /proc/self/ns/$n)"; done; echo "pid1 $$"'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	local n
	for n in pid net ipc uts mnt cgroup; do
		local inside host
		inside=$(awk -v n="$n" '$1 == n {print $2}' <<<"$output")
		host=$(readlink /proc/self/ns/"$n")
		[ -n "$inside" ]
		[ "$inside" != "$host" ]
	done
	[[ "$output" == *"pid1 1"* ]]
}

@test "namespaces not listed are shared with the host" {
	update_config '.linux.namespaces = [{"type":"mount"}] | .hostname = null | .linux.maskedPaths = [] | .linux.readonlyPaths = []'
	set_args sh -c 'readlink /proc/self/ns/net; readlink /proc/self/ns/uts'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(readlink /proc/self/ns/net)" ]
	[ "${lines[1]}" = "$(readlink /proc/self/ns/uts)" ]
}

@test "a network namespace joined by path is the one given" {
	local ns=roci-test-$BATS_TEST_NUMBER
	ip netns add "$ns"
	update_config '.linux.namespaces = [.linux.namespaces[] | if .type == "network" then {"type":"network","path":"/run/netns/'"$ns"'"} else . end]'
	set_args stat -L -c %i /proc/self/ns/net
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = "$(stat -L -c %i /run/netns/"$ns")" ]
}

@test "a path of the wrong namespace type is refused" {
	update_config '.linux.namespaces = [.linux.namespaces[] | if .type == "network" then {"type":"network","path":"/proc/self/ns/uts"} else . end]'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"is not a network namespace"* ]]
	[ "$(state_dirs)" -eq 0 ]
}

@test "joining the pid namespace of another container" {
	set_args sleep 100
	roci run -d -b "$BUNDLE" first
	local pid
	pid=$(roci state first | jq .pid)
	make_bundle "$BATS_TEST_TMPDIR/b2" '.linux.namespaces = [.linux.namespaces[] | if .type == "pid" then {"type":"pid","path":"/proc/'"$pid"'/ns/pid"} else . end] | .process.args = ["sh","-c","readlink /proc/self/ns/pid; ps -o pid,args"]'
	rrun roci run -b "$BATS_TEST_TMPDIR/b2" second
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "$(readlink /proc/"$pid"/ns/pid)" ]
	[[ "$output" == *"sleep 100"* ]]
}

@test "user namespace with two uid ranges" {
	update_config '.linux.namespaces += [{"type":"user"}]
		| .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":1000},{"containerID":1000,"hostID":200000,"size":10}]
		| .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":1010}]'
	set_args sh -c 'cat /proc/self/uid_map; cat /proc/self/gid_map; id -u'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$(echo "${lines[0]}" | tr -s ' ' | sed 's/^ //')" = "0 100000 1000" ]
	[ "$(echo "${lines[1]}" | tr -s ' ' | sed 's/^ //')" = "1000 200000 10" ]
	[ "$(echo "${lines[2]}" | tr -s ' ' | sed 's/^ //')" = "0 100000 1010" ]
	[ "${lines[3]}" = 0 ]
}

@test "user namespace: the process runs as the mapped host uid" {
	update_config '.linux.namespaces += [{"type":"user"}]
		| .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":1000}]
		| .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":1000}]'
	set_args sleep 100
	roci run -d -b "$BUNDLE" c1
	local pid
	pid=$(roci state c1 | jq .pid)
	[ "$(awk '/^Uid:/ {print $2}' /proc/"$pid"/status)" = 100000 ]
}

@test "user namespace: device nodes are bound from the host with nosuid and noexec" {
	# the host's /dev here has neither flag: the bind must add both
	update_config '.linux.namespaces += [{"type":"user"}]
		| .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
		| .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
		| .linux.devices = [{"path":"/dev/kmsg","type":"c","major":1,"minor":11}]'
	set_args sh -c 'for d in null zero full random urandom tty kmsg; do grep " /dev/$d " /proc/self/mountinfo; done'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "${#lines[@]}" -eq 7 ]
	local l
	for l in "${lines[@]}"; do
		[[ "$(cut -d' ' -f6 <<<"$l")" == *nosuid*noexec* ]] || { echo "missing: $l"; false; }
	done
}

@test "user namespace: devices the host lacks are made by roci, owned by the mapped ids" {
	[ ! -e /dev/roci-null ] && [ ! -e /dev/sub ]
	# /dev/roci-null and /dev/sub/zero2 are not on the host; /dev/full is,
	# but as another device
	update_config '.linux.namespaces += [{"type":"user"}]
		| .linux.uidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
		| .linux.gidMappings = [{"containerID":0,"hostID":100000,"size":65536}]
		| .linux.devices = [{"path":"/dev/roci-null","type":"c","major":1,"minor":3,"fileMode":438,"uid":1000,"gid":5},
			{"path":"/dev/sub/zero2","type":"c","major":1,"minor":5,"fileMode":416},
			{"path":"/dev/full","type":"c","major":1,"minor":3}]
		| .linux.resources.devices = [{"allow":false,"access":"rwm"},
			{"allow":true,"type":"c","major":1,"minor":3,"access":"rwm"},
			{"allow":true,"type":"c","major":1,"minor":5,"access":"rwm"}]'
	local script='stat -c "%n %t:%T %a %u:%g" /dev/roci-null /dev/sub/zero2 /dev/full;'
	script+=' echo x >/dev/roci-null && echo x >/dev/full && head -c 2 /dev/sub/zero2 | od -An -tx1;'
	script+=' for d in roci-null sub/zero2 full; do grep " /dev/$d " /proc/self/mountinfo | cut -d" " -f6; done'
	set_args sh -c "$script"
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/dev/roci-null 1:3 666 1000:5" ]
	[ "${lines[1]}" = "/dev/sub/zero2 1:5 640 0:0" ]
	[ "${lines[2]}" = "/dev/full 1:3 666 0:0" ]
	[ "$(echo ${lines[3]})" = "00 00" ]
	[ "${lines[4]}" = rw,nosuid,noexec,relatime ]
	[ "${lines[5]}" = rw,nosuid,noexec,relatime ]
	[ "${lines[6]}" = rw,nosuid,noexec,relatime ]
	# nothing on the host
	[ ! -e /dev/roci-null ] && [ ! -e /dev/sub ]
	# an owner the user namespace does not map is refused, naming the device
	refused '.linux.devices[0].uid = 70000' "device /dev/roci-null: its uid is not mapped in the user namespace"
}

@test "time namespace offsets" {
	update_config '.linux.namespaces += [{"type":"time"}] | .linux.timeOffsets = {"boottime": {"secs": 864000, "nanosecs": 0}, "monotonic": {"secs": 1000, "nanosecs": 0}}'
	set_args cat /proc/uptime /proc/self/timens_offsets
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	local host inside
	host=$(cut -d. -f1 /proc/uptime)
	inside=$(head -1 <<<"$output" | cut -d. -f1)
	[ "$inside" -ge $((host + 864000 - 5)) ]
	[[ "$output" == *"boottime"*"864000"* ]]
}

@test "hostname and domainname" {
	update_config '.hostname = "box" | .domainname = "example.org"'
	set_args sh -c 'hostname; cat /proc/sys/kernel/domainname'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = $'box\nexample.org' ]
}

@test "hostname without a UTS namespace is refused" {
	update_config '.hostname = "box" | .linux.namespaces = [.linux.namespaces[] | select(.type != "uts")]'
	rrun roci create -b "$BUNDLE" c1
	[ "$status" -ne 0 ]
	[[ "$output" == *"UTS namespace"* ]]
	[ "$(state_dirs)" -eq 0 ]
}

@test "the loopback interface of a new network namespace is up; a joined one is left as it is" {
	set_args sh -c 'cat /sys/class/net/lo/operstate /sys/class/net/lo/flags'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	# operstate of lo is "unknown" when up, "down" when not; IFF_UP is bit 0
	[ "${lines[0]}" = unknown ]
	[ $((lines[1] & 1)) -eq 1 ]
	# a namespace the container joins keeps its lo down
	local ns=roci-test-lo-$$
	ip netns add "$ns"
	update_config '(.linux.namespaces[] | select(.type == "network")) += {"path": "/run/netns/'"$ns"'"}'
	rrun roci run -b "$BUNDLE" c2
	ip netns del "$ns"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = down ]
}

@test "linux.netDevices: host interfaces move in, renamed, with their permanent global addresses, and up" {
	local h=roci-t$$
	ip link add "${h}h" type veth peer name "${h}c"
	ip link add "${h}m" link "${h}h" type macvlan
	ip addr add 10.213.0.1/24 dev "${h}m"
	ip addr add 10.213.1.1/24 dev "${h}m" scope link
	ip addr add fd00:213::1/64 dev "${h}m" nodad
	update_config '.linux.netDevices = {"'"${h}m"'": {"name": "ctr0"}, "'"${h}c"'": {"name": "eth%d"}}'
	set_args sh -c 'ip -o -4 addr show ctr0; ip -o -6 addr show ctr0 scope global; echo flags $(cat /sys/class/net/ctr0/flags /sys/class/net/eth0/flags)'
	rrun roci run -d -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	wait_status c1 stopped
	local out
	out=$(cat "$BATS_TEST_TMPDIR/rrun.out")
	roci delete c1
	ip link del "${h}h" 2>/dev/null || true
	echo "$out"
	[[ "$out" == *"inet 10.213.0.1/24 scope global ctr0"* ]]
	[[ "$out" != *10.213.1.1* ]]  # link scope: not carried
	[[ "$out" == *"inet6 fd00:213::1/64 scope global"* ]]
	local f1 f2
	read -r _ f1 f2 <<<"$(grep ^flags <<<"$out")"
	[ $((f1 & 1)) -eq 1 ] && [ $((f2 & 1)) -eq 1 ]
	# a device the host lacks, and a name the container has: refused, nothing made
	refused '.linux.netDevices = {"roci-nope0": {}}' 'linux.netDevices: no network device "roci-nope0" on the host'
	ip link add "${h}h" type veth peer name "${h}c"
	refused '.linux.netDevices = {"'"${h}c"'": {"name": "lo"}}' "the container already has a device named lo"
	ip link show "${h}c" >/dev/null  # still on the host
	ip link del "${h}h"
	[ "$(state_dirs)" -eq 0 ]
	roci features | jq -e '.linux.netDevices.enabled'
}
