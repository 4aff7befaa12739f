#!/usr/bin/env bats
# Mounts, masked and read-only paths, root.readonly, devices.
load helpers

setup() { common_setup; }
teardown() { common_teardown; }

@test "tmpfs with options" {
	update_config '.mounts += [{"destination":"/scratch","type":"tmpfs","source":"tmpfs","options":["size=1m","noexec","nosuid"]}]'
	set_args sh -c 'grep " /scratch " /proc/self/mounts'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[[ "$output" == *"tmpfs /scratch tmpfs"* ]]
	[[ "$output" == *"size=1024k"* ]]
	[[ "$output" == *"nosuid"* && "$output" == *"noexec"* ]]
}

@test "bind mounts: read-only directory, file, relative source" {
	mkdir -p "$BATS_TEST_TMPDIR/hostdir" "$BUNDLE/reldir"
	echo host >"$BATS_TEST_TMPDIR/hostdir/f"
	echo file >"$BATS_TEST_TMPDIR/onefile"
	echo rel >"$BUNDLE/reldir/r"
	update_config '.mounts += [
		{"destination":"/ro","type":"bind","source":"'"$BATS_TEST_TMPDIR"'/hostdir","options":["bind","ro"]},
		{"destination":"/etc/onefile","type":"bind","source":"'"$BATS_TEST_TMPDIR"'/onefile","options":["bind"]},
		{"destination":"/rel","type":"none","source":"reldir","options":["rbind"]}]'
	set_args sh -c 'cat /ro/f; touch /ro/x 2>&1; cat /etc/onefile; echo changed > /etc/onefile; cat /rel/r'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = host ]
	[[ "${lines[1]}" == *"Read-only file system"* ]]
	[ "${lines[2]}" = file ]
	[ "${lines[3]}" = rel ]
	[ ! -e "$BATS_TEST_TMPDIR/hostdir/x" ]
	[ "$(cat "$BATS_TEST_TMPDIR/onefile")" = changed ]
}

@test "rbind carries submounts, rro makes them all read-only" {
	mkdir -p "$BATS_TEST_TMPDIR/top/sub"
	mount -t tmpfs tmpfs "$BATS_TEST_TMPDIR/top/sub"
	echo inner >"$BATS_TEST_TMPDIR/top/sub/inner"
	update_config '.mounts += [
		{"destination":"/a","type":"bind","source":"'"$BATS_TEST_TMPDIR"'/top","options":["rbind"]},
		{"destination":"/b","type":"bind","source":"'"$BATS_TEST_TMPDIR"'/top","options":["rbind","rro"]}]'
	set_args sh -c 'cat /a/sub/inner; touch /a/sub/ok && echo writable; touch /b/sub/no 2>&1; true'
	rrun roci run -b "$BUNDLE" c1
	umount "$BATS_TEST_TMPDIR/top/sub"
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = inner ]
	[ "${lines[1]}" = writable ]
	[[ "${lines[2]}" == *"Read-only file system"* ]]
}

@test "mounts appear in config order" {
	update_config '.mounts += [
		{"destination":"/m","type":"tmpfs","source":"first"},
		{"destination":"/m/n","type":"tmpfs","source":"second"}]'
	set_args sh -c 'grep -E " /m(/n)? " /proc/self/mounts | cut -d" " -f1,2'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = $'first /m\nsecond /m/n' ]
}

@test "propagation options reach mountinfo" {
	mkdir -p "$BATS_TEST_TMPDIR/shared"
	update_config '.mounts += [{"destination":"/s","type":"bind","source":"'"$BATS_TEST_TMPDIR"'/shared","options":["rbind","rprivate"]},
		{"destination":"/u","type":"tmpfs","source":"tmpfs","options":["unbindable"]}]'
	set_args sh -c 'grep " /u " /proc/self/mountinfo'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[[ "$output" == *"unbindable"* ]]
}

@test "masked paths: files read empty, directories are empty" {
	update_config '.linux.maskedPaths = ["/proc/cmdline", "/etc/secret", "/nonexistent"]'
	mkdir -p "$BUNDLE/rootfs/etc/secret"
	echo hidden >"$BUNDLE/rootfs/etc/secret/s"
	set_args sh -c 'wc -c < /proc/cmdline; ls -A /etc/secret | wc -l; stat -c "%t:%T" /proc/cmdline'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = 0 ]
	[ "${lines[1]}" = 0 ]
	[ "${lines[2]}" = "1:3" ]
}

@test "readonly paths refuse writes" {
	update_config '.linux.readonlyPaths = ["/proc/sys", "/etc"]'
	set_args sh -c 'echo 1 > /proc/sys/kernel/domainname 2>&1; touch /etc/x 2>&1; touch /tmp/ok && echo ok'
	rrun roci run -b "$BUNDLE" c1
	[[ "${lines[0]}" == *"Read-only file system"* ]]
	[[ "${lines[1]}" == *"Read-only file system"* ]]
	[ "${lines[2]}" = ok ]
}

@test "root.readonly" {
	update_config '.root.readonly = true'
	set_args sh -c 'touch /x 2>&1; touch /dev/shm/ok && echo ok'
	rrun roci run -b "$BUNDLE" c1
	[[ "${lines[0]}" == *"Read-only file system"* ]]
	[ "${lines[1]}" = ok ]
	[ ! -e "$BUNDLE/rootfs/x" ]
}

@test "default devices and /dev symlinks" {
	set_args sh -c 'for d in null zero full random urandom tty; do stat -c "%n %F %t:%T %a" /dev/$d; done; for l in fd stdin ptmx; do readlink /dev/$l; done'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[[ "${lines[0]}" == "/dev/null character special file 1:3 666" ]]
	[[ "${lines[1]}" == "/dev/zero character special file 1:5 666" ]]
	[[ "${lines[5]}" == "/dev/tty character special file 5:0 666" ]]
	[ "${lines[6]}" = /proc/self/fd ]
	[ "${lines[7]}" = /proc/self/fd/0 ]
	[ "${lines[8]}" = pts/ptmx ]
}

@test "linux.devices: mode, owner and numbers" {
	update_config '.linux.devices = [{"path":"/dev/mynull","type":"c","major":1,"minor":3,"fileMode":432,"uid":1000,"gid":1001},
		{"path":"/dev/sub/fifo","type":"p"}]'
	set_args sh -c 'stat -c "%F %t:%T %a %u %g" /dev/mynull; stat -c %F /dev/sub/fifo'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "character special file 1:3 660 1000 1001" ]
	[ "${lines[1]}" = fifo ]
}

@test "--no-pivot" {
	set_args sh -c 'ls /; cat /proc/self/mountinfo | wc -l'
	rrun roci run --no-pivot -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[[ "$output" == *"bin"* ]]
}

@test "no mount namespace: mounts are undone at delete" {
	local before
	before=$(wc -l </proc/self/mountinfo)
	update_config '.linux.namespaces = [{"type":"pid"}] | .hostname = null'
	set_args sh -c 'ls /proc/self >/dev/null && echo ok'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = ok ]
	[ "$(wc -l </proc/self/mountinfo)" -eq "$before" ]
}

@test "tmpcopyup: the tmpfs starts with a copy of what it covers (owner, mode, symlinks), ro after the copy" {
	mkdir -p "$BUNDLE/rootfs/data/sub"
	echo hello >"$BUNDLE/rootfs/data/sub/f"
	chown 1000:1001 "$BUNDLE/rootfs/data/sub/f"
	chmod 640 "$BUNDLE/rootfs/data/sub/f"
	ln -s sub/f "$BUNDLE/rootfs/data/link"
	mkfifo "$BUNDLE/rootfs/data/fifo"
	update_config '.mounts += [{"destination": "/data", "type": "tmpfs", "source": "tmpfs", "options": ["tmpcopyup", "nosuid"]}]'
	set_args sh -c 'stat -c "%n %u:%g %a %F" /data/sub/f /data/fifo; readlink /data/link; echo new > /data/new; grep " /data " /proc/self/mountinfo | cut -d" " -f9'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "${lines[0]}" = "/data/sub/f 1000:1001 640 regular file" ]
	[ "${lines[1]}" = "/data/fifo 0:0 644 fifo" ]
	[ "${lines[2]}" = sub/f ]
	[ "${lines[3]}" = tmpfs ]
	# the copy was written, not the directory under it
	[ ! -e "$BUNDLE/rootfs/data/new" ]
	# ro comes after the copy
	update_config '.mounts[-1].options = ["tmpcopyup", "ro"]'
	set_args sh -c 'cat /data/sub/f; touch /data/x 2>/dev/null || echo read-only'
	update_config '.process.capabilities.effective += ["CAP_DAC_OVERRIDE"] | .process.capabilities.bounding += ["CAP_DAC_OVERRIDE"] | .process.capabilities.permitted += ["CAP_DAC_OVERRIDE"]'
	rrun roci run -b "$BUNDLE" c2
	[ "$status" -eq 0 ]
	[ "$output" = $'hello\nread-only' ]
	# only a tmpfs can be copied up into
	update_config '.mounts[-1] = {"destination": "/data", "type": "bind", "source": "/tmp", "options": ["rbind", "tmpcopyup"]}'
	rrun roci create -b "$BUNDLE" c3
	[ "$status" -ne 0 ]
	[[ "$output" == *"mount /data: tmpcopyup applies to a tmpfs only"* ]]
	[ "$(state_dirs)" -eq 0 ]
	roci features | jq -e '.mountOptions | index("tmpcopyup") != null'
}

@test "a bind destination that is a dangling symlink (through another one) is made where it points, inside the root" {
	echo from-host >"$BATS_TEST_TMPDIR/hosts"
	ln -s /jump/baz/hosts "$BUNDLE/rootfs/etc/hosts2"
	ln -s /nowhere "$BUNDLE/rootfs/jump"
	# and one that climbs: it stays in the root
	ln -s ../../../../../../../roci-escape/hosts "$BUNDLE/rootfs/etc/hosts3"
	update_config '.mounts += [
		{"destination": "/etc/hosts2", "type": "bind", "source": "'"$BATS_TEST_TMPDIR"'/hosts", "options": ["bind"]},
		{"destination": "/etc/hosts3", "type": "bind", "source": "'"$BATS_TEST_TMPDIR"'/hosts", "options": ["bind"]}]'
	set_args sh -c 'cat /etc/hosts2 /nowhere/baz/hosts /etc/hosts3 /roci-escape/hosts'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = $'from-host\nfrom-host\nfrom-host\nfrom-host' ]
	[ -f "$BUNDLE/rootfs/nowhere/baz/hosts" ]
	[ -f "$BUNDLE/rootfs/roci-escape/hosts" ]
	[ ! -e /roci-escape ]
}

@test "user namespace: bind sources that only the host's root can reach are mounted, with their options" {
	# a directory the container's root (host uid 100000) cannot search;
	# the mount points go under the rootfs's /tmp, where that root can make them
	local priv=$BATS_TEST_TMPDIR/private
	mkdir -p "$priv/dir" "$BUNDLE/relpriv/dir"
	echo secret-ok >"$priv/dir/f"
	echo file-ok >"$priv/file"
	echo rel-ok >"$BUNDLE/relpriv/dir/g"
	chmod 755 "$priv/dir" "$BUNDLE/relpriv/dir"
	chmod 644 "$priv/dir/f" "$priv/file" "$BUNDLE/relpriv/dir/g"
	chmod 700 "$priv" "$BUNDLE/relpriv"
	chmod 1777 "$BUNDLE/rootfs/tmp"
	update_config '.linux.namespaces += [{"type": "user"}] |
		.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] |
		.linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] |
		.mounts += [{"destination": "/tmp/d", "type": "bind", "source": "'"$priv"'/dir", "options": ["rbind", "ro", "nosuid"]},
			{"destination": "/tmp/f", "type": "bind", "source": "'"$priv"'/file", "options": ["bind"]},
			{"destination": "/tmp/r", "type": "bind", "source": "relpriv/dir", "options": ["bind"]}]'
	set_args sh -c 'cat /tmp/d/f /tmp/f /tmp/r/g; touch /tmp/d/new 2>/dev/null || echo ro; grep " /tmp/d " /proc/self/mountinfo | cut -d" " -f6'
	rrun roci run -b "$BUNDLE" c1
	[ "$status" -eq 0 ]
	[ "$output" = $'secret-ok\nfile-ok\nrel-ok\nro\nro,nosuid,relatime' ]
	# the directory itself stays out of reach inside
	update_config '.mounts += [{"destination": "/tmp/all", "type": "bind", "source": "'"$BATS_TEST_TMPDIR"'", "options": ["rbind"]}]'
	set_args sh -c 'ls /tmp/all/private 2>&1 || true'
	rrun roci run -b "$BUNDLE" c2
	[[ "$output" == *"Permission denied"* ]]
}

@test "idmapped bind mounts: the mount's own mapping, the container's (idmap), recursive only with ridmap" {
	local src=$BATS_TEST_TMPDIR/idsrc
	mkdir -p "$src/sub"
	echo x >"$src/f"
	chown 1000:1000 "$src/f"
	# a submount (tmpfs can be idmapped): only ridmap reaches it
	mount -t tmpfs -o mode=755 tmpfs "$src/sub"
	touch "$src/sub/g"
	chown 1000:1000 "$src/sub/g"
	update_config '.mounts += [{"destination": "/data", "type": "bind", "source": "'"$src"'", "options": ["rbind"],
		"uidMappings": [{"containerID": 1000, "hostID": 2000, "size": 1}],
		"gidMappings": [{"containerID": 1000, "hostID": 3000, "size": 1}]}]'
	set_args sh -c 'stat -c %u:%g /data/f /data/sub/g'
	local out1 out2 out3 out4
	rrun roci run -b "$BUNDLE" c1
	out1=$status:$output
	update_config '.mounts[-1].options = ["rbind", "ridmap"]'
	rrun roci run -b "$BUNDLE" c2
	out2=$status:$output
	# a user namespace (0 -> 100000): idmap alone takes its mapping
	update_config '.linux.namespaces += [{"type": "user"}] |
		.linux.uidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] |
		.linux.gidMappings = [{"containerID": 0, "hostID": 100000, "size": 65536}] |
		.mounts[-1] = {"destination": "/data", "type": "bind", "source": "'"$src"'", "options": ["rbind", "ridmap"]}'
	rrun roci run -b "$BUNDLE" c3
	out3=$status:$output
	update_config '.mounts[-1].options = ["rbind"]'
	rrun roci run -b "$BUNDLE" c4
	out4=$status:$output
	umount "$src/sub"
	# host 1000 shows as 2000 (gid 3000) through the mount's own mapping
	[ "$out1" = $'0:2000:3000\n1000:1000' ]
	[ "$out2" = $'0:2000:3000\n2000:3000' ]
	# through the container's mapping host 1000 is 1000 inside; without it, nobody
	[ "$out3" = $'0:1000:1000\n1000:1000' ]
	[ "$out4" = $'0:65534:65534\n65534:65534' ]
	# not a bind mount, or no mapping at all: refused, nothing made
	make_bundle "$BUNDLE"
	refused '.mounts += [{"destination": "/t", "type": "tmpfs", "source": "tmpfs", "options": ["idmap"]}]' \
		"mount /t: idmapped mounts are bind mounts only"
	refused '.mounts[-1] = {"destination": "/data", "type": "bind", "source": "'"$src"'", "options": ["bind", "idmap"]}' \
		"needs uidMappings and gidMappings, its own or the container's user namespace's"
	[ "$(state_dirs)" -eq 0 ]
	roci features | jq -e '.linux.mountExtensions.idmap.enabled and (.mountOptions | index("ridmap") != null)'
}
