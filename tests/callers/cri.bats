#!/usr/bin/env bats
# roci under containerd 1.6's CRI plugin, the Kubernetes path: a private
# containerd with the CRI on, roci as the runc binary of the runc v2 shim,
# driven as the kubelet does, through the CRI's gRPC API (cri/cri.py, a
# client generated at test time from Debian's containerd source:
# cri/client.sh).
#
# Pods: pod-a has a CNI network (bridge + host-local from
# containernetworking-plugins, a private conf dir, IPAM data dir and bridge),
# pod-h the host's network. The cgroup driver is cgroupfs, or systemd
# (SystemdCgroup = true, the pods in a slice) where systemd runs the machine
# with a pure cgroup v2 (the test VM: tests/vm); ROCI_CRI_CGROUP_DRIVER
# overrides the choice. One cri.py serves every call of the file (crictl).
# ROCI_CRI_KEEP=1 leaves the daemons, pods and $CB in place to look at (bats
# then waits for them: stop containerd and the cri.py server by hand).
# Not private: libcni's result cache (/var/lib/cni/results, which containerd
# 1.6 cannot move; its entries go at each pod's teardown, checked below).
load lib
PAUSE_IMAGE=docker.io/library/roci-pause:1.0

setup_file() {
	install_callers
	"$REPO/tests/lib/deps.sh" containernetworking-plugins python3-grpc-tools gcc libc6-dev iproute2
	callers_tmp
	export CRI_SOCK=$CTD_SOCK PODS=$CB/pods ROCI_ROOT=$CB/roci-root
	if ! CRI_CLIENT=$("$REPO/tests/callers/cri/client.sh"); then
		callers_cleanup
		return 1
	fi
	export CRI_CLIENT
	local rnd=$RANDOM$RANDOM
	export CRI_TAG=rc$rnd
	CRI_DRIVER=${ROCI_CRI_CGROUP_DRIVER:-}
	if [ -z "$CRI_DRIVER" ]; then
		CRI_DRIVER=cgroupfs
		if [ -e /sys/fs/cgroup/cgroup.controllers ] && [ -d /run/systemd/system ]; then
			CRI_DRIVER=systemd
		fi
	fi
	export CRI_DRIVER
	# CNI: one bridge network, everything of it private to this run
	export CNI_BRIDGE=${CRI_TAG:0:15}
	mkdir -p "$CB/cni/conf" "$CB/cni/ipam" "$PODS"
	jq -n --arg br "$CNI_BRIDGE" --arg data "$CB/cni/ipam" --arg net "$CRI_TAG" \
		--arg subnet "10.213.$((RANDOM % 200 + 20)).0/24" \
		'{cniVersion: "1.0.0", name: $net, plugins: [{type: "bridge", bridge: $br,
		isGateway: false, ipMasq: false, hairpinMode: false,
		ipam: {type: "host-local", dataDir: $data, ranges: [[{subnet: $subnet}]]}}]}' \
		>"$CB/cni/conf/10-roci.conflist"
	local systemd=false
	[ "$CRI_DRIVER" != systemd ] || systemd=true
	local cri
	cri=$(
		cat <<EOF
[plugins."io.containerd.grpc.v1.cri"]
  sandbox_image = "$PAUSE_IMAGE"
  disable_apparmor = true
  enable_selinux = false
  restrict_oom_score_adj = true
  netns_mounts_under_state_dir = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  enable_tls_streaming = false
  max_container_log_line_size = 16384
  [plugins."io.containerd.grpc.v1.cri".containerd]
    snapshotter = "overlayfs"
    default_runtime_name = "runc"
    [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc]
      runtime_type = "io.containerd.runc.v2"
      [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
        BinaryName = "$CB/roci"
        Root = "$ROCI_ROOT"
        SystemdCgroup = $systemd
  [plugins."io.containerd.grpc.v1.cri".cni]
    bin_dir = "/usr/lib/cni"
    conf_dir = "$CB/cni/conf"
    max_conf_num = 1
  [plugins."io.containerd.grpc.v1.cri".registry]
    config_path = "$CB/ctd/certs.d"
EOF
	)
	if ! start_containerd "$cri" || ! cri_serve || ! cri_images; then
		cri_cleanup
		return 1
	fi
}

# cri_serve: one cri.py for all the calls of this file (cri/crictl sends it
# the requests)
cri_serve() {
	export CRI_FIFO=$CB/cri.fifo
	/usr/bin/python3 "$REPO/tests/callers/cri/cri.py" serve "$CRI_FIFO" \
		>"$CB/cri-serve.log" 2>&1 </dev/null 3>&- &
	export CRI_SERVER_PID=$!
	# it makes the fifo once it reads it
	wait_daemon "cri.py serve" "$CRI_SERVER_PID" "$CB/cri-serve.log" test -p "$CRI_FIFO" &&
		crictl version | jq -e '.runtime_name == "containerd"'
}

teardown_file() {
	# ROCI_CRI_KEEP=1: leave everything running to look at (cleanup: by hand)
	[ -n "${ROCI_CRI_KEEP:-}" ] && echo "# kept: CB=$CB" >&3 && return 0
	cri_cleanup
}

setup() { :; }
teardown() { :; }

# crictl ARGS...: the CRI client (cri/cri.py, through cri/crictl)
CRICTL=$REPO/tests/callers/cri/crictl
crictl() { "$CRICTL" "$@"; }

# cri_images: the pause image (a static C program, built here) and busybox,
# in the k8s.io namespace where the CRI looks
cri_images() {
	mkdir -p "$CB/pause-root"
	gcc -static -O2 -Wall -Werror -o "$CB/pause-root/pause" "$REPO/tests/callers/cri/pause.c" || return 1
	oci_image_tar "$CB/pause-root" "$PAUSE_IMAGE" "$CB/pause.tar" /pause || return 1
	oci_image_tar "$(rootfs_cache)" "$IMAGE" "$CB/busybox.tar" sh || return 1
	ctrc -n k8s.io images import "$CB/pause.tar" >/dev/null || return 1
	ctrc -n k8s.io images import "$CB/busybox.tar" >/dev/null || return 1
	# the CRI learns of imported images through events: wait until it lists both
	wait_for "the CRI's image list" 30 sh -c \
		'"$1" images | jq -e --arg p "$2" --arg b "$3" \
		"[.images[].repo_tags[]] | any(. == \$p) and any(. == \$b)"' \
		_ "$CRICTL" "$PAUSE_IMAGE" "$IMAGE"
}

# cgroup_parent NAME: the pod's cgroup parent for the driver (kubelet-like:
# a path under one private cgroup, or a slice of one private slice)
cgroup_parent() {
	if [ "$CRI_DRIVER" = systemd ]; then
		echo "$CRI_TAG-$1.slice"
	else
		echo "/$CRI_TAG/$1"
	fi
}

# pod_config NAME NETWORK: a PodSandboxConfig (NETWORK: POD for CNI, NODE
# for the host's network), saved as $PODS/NAME.json
pod_config() {
	mkdir -p "$CB/logs/$1"
	jq -n --arg name "$1" --arg uid "$CRI_TAG-$1" --arg net "$2" --arg logs "$CB/logs/$1" \
		--arg parent "$(cgroup_parent "$1")" \
		'{metadata: {name: $name, uid: $uid, namespace: "roci-cri", attempt: 0},
		log_directory: $logs,
		linux: {cgroup_parent: $parent,
			security_context: {namespace_options: {network: $net, pid: "CONTAINER", ipc: "POD"}}}}
		# as the kubelet does: no hostname for a host-network pod
		| if $net == "NODE" then . else .hostname = $name end' \
		>"$PODS/$1.json"
}

# pod NAME [NETWORK]: the id of pod NAME, run now if it is not ready
pod() {
	local name=$1 net=${2:-POD} id
	id=$(cat "$PODS/$name.id" 2>/dev/null || true)
	if [ -n "$id" ] && crictl pstatus "$id" 2>/dev/null | jq -e '.status.state == "SANDBOX_READY"' >/dev/null; then
		echo "$id"
		return 0
	fi
	pod_config "$name" "$net"
	id=$(crictl runp "$PODS/$name.json" | jq -r .pod_sandbox_id) || return 1
	[ -n "$id" ] && [ "$id" != null ] || return 1
	echo "$id" >"$PODS/$name.id"
	echo "$id"
}

# ctr_config NAME JQ_FILTER [ARG...]: a ContainerConfig of the busybox
# image named NAME running ARG..., then the jq filter. As the kubelet's: the
# pod's network and IPC namespaces, a pid namespace of its own.
ctr_config() {
	local name=$1 filter=$2
	shift 2
	# (jq would take an argument like -c as its own option, even after --args)
	local cmd
	cmd=$(printf '%s\n' "$@" | jq -R . | jq -cs .)
	jq -n --arg name "$name" --arg image "$IMAGE" --argjson cmd "$cmd" '{metadata: {name: $name, attempt: 0},
		image: {image: $image}, command: $cmd, log_path: ($name + ".log"),
		linux: {security_context: {namespace_options: {network: "POD", ipc: "POD", pid: "CONTAINER"}}}}
		| '"$filter"
}

# container POD_NAME NAME JQ_FILTER ARG...: create and start a container in
# the pod; prints its id
container() {
	local podname=$1 name=$2 filter=$3 pod id
	shift 3
	pod=$(cat "$PODS/$podname.id") || return 1
	ctr_config "$name" "$filter" "$@" >"$PODS/$podname-$name.json"
	# CreateContainer, then StartContainer
	id=$(crictl run "$pod" "$PODS/$podname-$name.json" "$PODS/$podname.json" | jq -r .container_id) || return 1
	[ -n "$id" ] && [ "$id" != null ] || return 1
	echo "$id"
}

# roci_state ID: roci's own state of a container the shim made
roci_state() { "$ROCI" --root "$ROCI_ROOT/k8s.io" state "$1"; }

# ctr_state ID: the CRI's state of a container (CONTAINER_RUNNING, ...)
ctr_state() { crictl status "$1" | jq -r .status.state; }

# exec_out ID CMD...: ExecSync's stdout (fails unless the exit code is 0)
exec_out() {
	local out
	out=$(crictl exec-sync "$1" 30 "${@:2}") || return 1
	jq -e '.exit_code == 0' <<<"$out" >/dev/null || { echo "$out" >&2; return 1; }
	jq -j .stdout <<<"$out"
}

# cg_file PID CONTROLLER FILE: the path of FILE in the cgroup of PID (the
# v1 CONTROLLER hierarchy, or the unified one on a pure cgroup v2)
cg_file() {
	local path
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		path=$(awk -F: '$1 == "0" {print $3}' "/proc/$1/cgroup")
		echo "/sys/fs/cgroup$path/$3"
	else
		path=$(awk -F: -v c="$2" '{n = split($2, a, ","); for (i = 1; i <= n; i++) if (a[i] == c) print $3}' "/proc/$1/cgroup")
		echo "/sys/fs/cgroup/$2$path/$3"
	fi
}

# cri_cleanup: every pod of ours through the CRI, then the daemons, the
# bridge and the private cgroups
cri_cleanup() {
	local id
	if [ -S "${CRI_SOCK:-}" ]; then
		for id in $(crictl pods 2>/dev/null | jq -r '.items[].id'); do
			crictl stopp "$id" >/dev/null 2>&1 || true
			crictl rmp "$id" >/dev/null 2>&1 || true
		done
	fi
	[ -z "${CRI_SERVER_PID:-}" ] || kill "$CRI_SERVER_PID" 2>/dev/null || true
	callers_cleanup
	[ -z "${CNI_BRIDGE:-}" ] || ip link del "$CNI_BRIDGE" 2>/dev/null || true
	# the pods' cgroup parents (the kubelet's to remove, here ours)
	[ "${CRI_DRIVER:-}" != systemd ] || systemctl stop "$CRI_TAG.slice" 2>/dev/null || true
	local d
	for d in /sys/fs/cgroup/*/"${CRI_TAG:-none}" /sys/fs/cgroup/"${CRI_TAG:-none}"; do
		[ -d "$d" ] && find "$d" -depth -type d -exec rmdir {} + 2>/dev/null || true
	done
}

@test "cri: RunPodSandbox: the sandbox is ready, its pause process runs under roci" {
	local id
	id=$(pod pod-a POD)
	run crictl pstatus "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status.state <<<"$output")" = SANDBOX_READY ]
	# a CNI address from our subnet
	local ip
	ip=$(jq -r .status.network.ip <<<"$output")
	[[ $ip == 10.213.* ]]
	run roci_state "$id"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .status <<<"$output")" = running ]
	local pid
	pid=$(jq -r .pid <<<"$output")
	[ "$(cat "/proc/$pid/comm")" = pause ]
	# the pod's network namespace has the address on eth0
	nsenter -t "$pid" -n ip -4 -o addr show dev eth0 | grep -q " $ip/24 "
	# a host-network pod: its pause shares the host's network namespace
	local hid hpid
	hid=$(pod pod-h NODE)
	hpid=$(roci_state "$hid" | jq -r .pid)
	[ "$(readlink "/proc/$hpid/ns/net")" = "$(readlink /proc/self/ns/net)" ]
	[ "$(readlink "/proc/$pid/ns/net")" != "$(readlink /proc/self/ns/net)" ]
	# the shim called roci with its --root, a log file and the cgroup driver
	local sd=''
	[ "$CRI_DRIVER" != systemd ] || sd='--systemd-cgroup '
	grep -- "--root $ROCI_ROOT/k8s.io --log .*/log.json --log-format json ${sd}create --bundle .* $id\$" "$CB/argv.log"
}

@test "cri: two containers of a pod share its network and IPC namespaces" {
	local pod c1 c2 ppid ip
	pod=$(pod pod-a POD)
	c1=$(container pod-a ns1 . sleep 1000)
	c2=$(container pod-a ns2 . sleep 1000)
	[ "$(ctr_state "$c1")" = CONTAINER_RUNNING ]
	[ "$(roci_state "$c2" | jq -r .status)" = running ]
	ppid=$(roci_state "$pod" | jq -r .pid)
	ip=$(crictl pstatus "$pod" | jq -r .status.network.ip)
	# in each: the namespaces, its pid 1, its name, the pod's address on eth0
	local probe='for n in net ipc pid; do readlink /proc/self/ns/$n; done; cat /proc/1/comm; hostname; ip -4 -o addr show dev eth0'
	local o1 o2
	mapfile -t o1 < <(exec_out "$c1" sh -c "$probe")
	mapfile -t o2 < <(exec_out "$c2" sh -c "$probe")
	printf '%s\n' "${o1[@]}" -- "${o2[@]}" -- "$(readlink /proc/$ppid/ns/net) $(readlink /proc/$ppid/ns/ipc) $ip"
	[[ ${o1[0]} == "net:["* ]] && [[ ${o1[1]} == "ipc:["* ]]
	# net and ipc: the same in both, and the pause process's
	[ "${o1[0]}" = "${o2[0]}" ] && [ "${o1[0]}" = "$(readlink "/proc/$ppid/ns/net")" ]
	[ "${o1[1]}" = "${o2[1]}" ] && [ "${o1[1]}" = "$(readlink "/proc/$ppid/ns/ipc")" ]
	# pid: CONTAINER, each its own, sleep is pid 1 in each
	[[ ${o1[2]} == "pid:["* ]] && [ "${o1[2]}" != "${o2[2]}" ]
	[ "${o1[3]}" = sleep ] && [ "${o2[3]}" = sleep ]
	[ "${o1[4]}" = pod-a ] && [ "${o2[4]}" = pod-a ]
	[[ ${o1[5]} == *" $ip/24 "* ]] && [[ ${o2[5]} == *" $ip/24 "* ]]
}

@test "cri: ExecSync: stdout, stderr and the exit code" {
	pod pod-a POD >/dev/null
	local c
	c=$(container pod-a ex . sleep 1000)
	run crictl exec-sync "$c" 30 sh -c 'echo out; echo err >&2; exit 3'
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .stdout <<<"$output")" = out ]
	[ "$(jq -r .stderr <<<"$output")" = err ]
	[ "$(jq -r .exit_code <<<"$output")" = 3 ]
	# roci ran it: an exec of the shim, with a process file
	run grep -E -- " exec --process [^ ]+ --detach .*$c\$" "$CB/argv.log"
	echo "$output"
	[ "${#lines[@]}" -eq 1 ]
	run crictl exec-sync "$c" 30 nosuchprogram
	echo "$output"
	[ "$status" -ne 0 ] || [ "$(jq -r .exit_code <<<"$output")" != 0 ]
	[[ $output == *'executable file not found'* ]]
}

@test "cri: ContainerStatus: EXITED with the exit code of the process" {
	pod pod-a POD >/dev/null
	local c
	c=$(container pod-a ex7 . sh -c 'exit 7')
	wait_for "container $c to exit" 60 sh -c \
		'[ "$("$1" status "$2" | jq -r .status.state)" = CONTAINER_EXITED ]' \
		_ "$CRICTL" "$c"
	run crictl status "$c"
	echo "$output"
	[ "$(jq -r .status.state <<<"$output")" = CONTAINER_EXITED ]
	[ "$(jq -r .status.exit_code <<<"$output")" = 7 ]
	[ "$(jq -r .status.reason <<<"$output")" = Error ]
	[ "$(jq -r .status.finished_at <<<"$output")" != 0 ]
	# the CRI deleted the task at its exit: roci was asked to, and did
	grep -E -- " delete $c\$" "$CB/argv.log"
	run roci_state "$c"
	[ "$status" -ne 0 ]
	[[ $output == *"container \"$c\" does not exist"* ]]
	run crictl rm "$c"
	[ "$status" -eq 0 ]
	run crictl status "$c"
	[ "$status" -ne 0 ]
}

@test "cri: a container sharing the pod's pid namespace: its leftovers die with it" {
	pod pod-a POD >/dev/null
	local c ppid
	# the init exits, its background sleep stays in the pod's pid namespace:
	# the shim's `kill --all` at the exit must reach it
	c=$(container pod-a left '.linux.security_context.namespace_options.pid = "POD"' \
		sh -c 'sleep 1234 & exit 0')
	wait_for "container $c to exit" 60 sh -c \
		'[ "$("$1" status "$2" | jq -r .status.state)" = CONTAINER_EXITED ]' _ "$CRICTL" "$c"
	grep -E -- " kill --all $c 9\$" "$CB/argv.log"
	ppid=$(roci_state "$(cat "$PODS/pod-a.id")" | jq -r .pid)
	# no sleep 1234 in the pod's pid namespace
	wait_for "the leftover sleep to die" 30 sh -c \
		'! pgrep -f -x "sleep 1234" --ns "$1" --nslist pid' _ "$ppid"
	run grep -E "failed to kill init's children|OCI runtime killall failed" "$CB/ctd/log"
	echo "$output"
	[ -z "$output" ]
}

@test "cri: ContainerStats: memory and CPU usage" {
	pod pod-a POD >/dev/null
	local c
	# some CPU time and memory: a busy loop that filled a variable
	c=$(container pod-a st . sh -c 'x=$(seq 1 20000); i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 1000')
	wait_for "CPU usage of $c" 60 sh -c \
		'"$1" stats "$2" | jq -e "(.stats.cpu.usage_core_nano_seconds.value | tonumber) > 10000000"' \
		_ "$CRICTL" "$c"
	run crictl stats "$c"
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r .stats.attributes.id <<<"$output")" = "$c" ]
	[ "$(jq -r '.stats.memory.working_set_bytes.value | tonumber > 0' <<<"$output")" = true ]
	[ "$(jq -r '.stats.cpu.usage_core_nano_seconds.value | tonumber > 0' <<<"$output")" = true ]
	[ "$(jq -r '.stats.cpu.timestamp | tonumber > 0' <<<"$output")" = true ]
	# the figures are the container's cgroup's: its CPU time, read after,
	# is at least what the CRI said; the memory in use at least the working set
	local pid cpu mem cg_cpu cg_mem
	pid=$(roci_state "$c" | jq -r .pid)
	cpu=$(jq -r .stats.cpu.usage_core_nano_seconds.value <<<"$output")
	mem=$(jq -r .stats.memory.working_set_bytes.value <<<"$output")
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		cg_cpu=$(($(awk '$1 == "usage_usec" {print $2}' "$(cg_file "$pid" cpu cpu.stat)") * 1000))
		cg_mem=$(cat "$(cg_file "$pid" memory memory.current)")
	else
		cg_cpu=$(cat "$(cg_file "$pid" cpuacct cpuacct.usage)")
		cg_mem=$(cat "$(cg_file "$pid" memory memory.usage_in_bytes)")
	fi
	echo "cpu: CRI $cpu, cgroup $cg_cpu; memory: CRI $mem, cgroup $cg_mem"
	[ "$cpu" -le "$cg_cpu" ]
	[ "$mem" -le "$((cg_mem + 1048576))" ]
}

@test "cri: UpdateContainerResources: the new limits are in the container's cgroup" {
	pod pod-a POD >/dev/null
	local c pid
	c=$(container pod-a up '.linux.resources = {memory_limit_in_bytes: 200000000, cpu_shares: 1024}' sleep 1000)
	pid=$(roci_state "$c" | jq -r .pid)
	jq -n '{memory_limit_in_bytes: 104857600, cpu_shares: 512, cpu_period: 100000, cpu_quota: 50000}' >"$PODS/up.json"
	run crictl update "$c" "$PODS/up.json"
	echo "$output"
	[ "$status" -eq 0 ]
	grep -E -- "(^| )update .*$c\$" "$CB/argv.log"
	if [ -e /sys/fs/cgroup/cgroup.controllers ]; then
		[ "$(cat "$(cg_file "$pid" memory memory.max)")" = 104857600 ]
		[ "$(cat "$(cg_file "$pid" cpu cpu.max)")" = "50000 100000" ]
		# shares 512 on the v2 weight scale
		[ "$(cat "$(cg_file "$pid" cpu cpu.weight)")" = 20 ]
	else
		[ "$(cat "$(cg_file "$pid" memory memory.limit_in_bytes)")" = 104857600 ]
		[ "$(cat "$(cg_file "$pid" cpu cpu.shares)")" = 512 ]
		[ "$(cat "$(cg_file "$pid" cpu cpu.cfs_quota_us)")" = 50000 ]
	fi
	# the CRI's view agrees
	run crictl status "$c"
	echo "$output"
	[ "$(jq -r .status.resources.linux.memory_limit_in_bytes <<<"$output")" = 104857600 ]
}

@test "cri: security context: run_as_user, readonly_rootfs, capabilities" {
	pod pod-a POD >/dev/null
	local u k out o
	u=$(container pod-a user '.linux.security_context += {run_as_user: {value: 1000}, readonly_rootfs: true}' sleep 1000)
	# the exec'd process and the init run as 1000; the root mount is read-only
	mapfile -t o < <(exec_out "$u" sh -c 'id -u; awk '\''/^Uid:/ {print $2}'\'' /proc/1/status; awk '\''$5 == "/" {print $6}'\'' /proc/1/mountinfo')
	printf '%s\n' "${o[@]}"
	[ "${o[0]}" = 1000 ]
	[ "${o[1]}" = 1000 ]
	[[ ,${o[2]}, == *,ro,* ]]
	out=$(crictl exec-sync "$u" 30 touch /x)
	echo "$out"
	[ "$(jq -r .exit_code <<<"$out")" != 0 ]
	[[ $(jq -r .stderr <<<"$out") == *"Read-only file system"* ]]
	k=$(container pod-a caps '.linux.security_context += {capabilities: {add_capabilities: ["NET_ADMIN"], drop_capabilities: ["CHOWN", "KILL"]}}' sleep 1000)
	local want=0 b eff
	# containerd's default set, minus CHOWN (0) and KILL (5), plus NET_ADMIN (12)
	for b in 1 3 4 6 7 8 10 12 13 18 27 29 31; do want=$((want | 1 << b)); done
	# the init's and an exec'd process's; and the kernel enforces it: no chown
	out=$(crictl exec-sync "$k" 30 sh -c 'awk "/^CapEff:/ {print \$2}" /proc/1/status /proc/self/status; chown 1:1 /tmp')
	echo "$out, want $(printf %016x $want)"
	[ "$(jq -r .exit_code <<<"$out")" != 0 ]
	[[ $(jq -r .stderr <<<"$out") == *"Operation not permitted"* ]]
	mapfile -t o < <(jq -j .stdout <<<"$out")
	[ "${#o[@]}" -eq 2 ]
	for eff in "${o[@]}"; do
		[ "$((16#$eff))" -eq "$want" ]
	done
}

@test "cri: StopContainer: the grace period, then SIGKILL; a TERM handler exits at once" {
	pod pod-a POD >/dev/null
	local ign term
	# sleep as pid 1 has no handler: SIGTERM does nothing to it
	ign=$(container pod-a ign . sleep 1000)
	term=$(container pod-a term . sh -c "$TERM_AWARE")
	run crictl stop "$ign" 3
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.elapsed >= 3' <<<"$output")" = true ]
	[ "$(jq -r '.elapsed < 30' <<<"$output")" = true ]
	run crictl status "$ign"
	echo "$output"
	[ "$(jq -r .status.state <<<"$output")" = CONTAINER_EXITED ]
	[ "$(jq -r .status.exit_code <<<"$output")" = 137 ]
	run crictl stop "$term" 20
	echo "$output"
	[ "$status" -eq 0 ]
	[ "$(jq -r '.elapsed < 10' <<<"$output")" = true ]
	run crictl status "$term"
	echo "$output"
	[ "$(jq -r .status.state <<<"$output")" = CONTAINER_EXITED ]
	[ "$(jq -r .status.exit_code <<<"$output")" = 0 ]
	# roci was asked for a TERM, then a KILL for the first only (the CRI's
	# `kill --all ID 9` at each exit is its cleanup of stray processes)
	grep -E -- "kill $ign 15\$" "$CB/argv.log"
	grep -E -- "kill $term 15\$" "$CB/argv.log"
	grep -E -- "kill $ign 9\$" "$CB/argv.log"
	! grep -E -- "kill $term 9\$" "$CB/argv.log" || false
}

@test "cri: StopPodSandbox and RemovePodSandbox leave nothing behind" {
	local ids=() id
	pod pod-a POD >/dev/null
	pod pod-h NODE >/dev/null
	# every container and pod this file made
	ids=($(crictl ps | jq -r '.containers[].id') $(crictl pods | jq -r '.items[].id'))
	echo "ids: ${ids[*]}"
	[ "${#ids[@]}" -ge 2 ]
	local ppid
	ppid=$(roci_state "$(cat "$PODS/pod-a.id")" | jq -r .pid)
	for id in $(crictl pods | jq -r '.items[].id'); do
		run crictl stopp "$id"
		echo "$output"
		[ "$status" -eq 0 ]
		[ "$(crictl pstatus "$id" | jq -r .status.state)" = SANDBOX_NOTREADY ]
		run crictl rmp "$id"
		echo "$output"
		[ "$status" -eq 0 ]
	done
	pid_gone "$ppid"
	[ "$(crictl pods | jq '.items | length')" = 0 ]
	[ "$(crictl ps | jq '.containers | length')" = 0 ]
	# no state under roci's root
	run ls -A "$ROCI_ROOT/k8s.io"
	echo "$output"
	[ -z "$output" ]
	# no mounts under our directories (rootfs, shm, netns bind mounts), no
	# network namespace file left
	run grep -F " $CB/" /proc/self/mountinfo
	echo "$output"
	[ -z "$output" ]
	run ls -A "$CB/ctd/state/io.containerd.grpc.v1.cri/netns"
	echo "$output"
	[ -z "$output" ]
	# nor a CNI result in libcni's cache (/var/lib/cni: no setting for it)
	run find /var/lib/cni/results -name "$CRI_TAG-*"
	echo "$output"
	[ -z "$output" ]
	# no cgroup of any pod or container, in any hierarchy
	for id in "${ids[@]}"; do
		run find /sys/fs/cgroup/ -type d -name "*$id*"
		echo "$output"
		[ -z "$output" ]
	done
	# no veth left on our bridge, no IPAM lease
	run ip -o link show master "$CNI_BRIDGE"
	echo "$output"
	[ -z "$output" ]
	run find "$CB/cni/ipam" -type f -name '10.213.*'
	echo "$output"
	[ -z "$output" ]
	# no shim of ours
	run pgrep -f -- "-address $CTD_SOCK"
	echo "$output"
	[ -z "$output" ]
}
