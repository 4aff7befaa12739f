#!/bin/bash
# make_busybox_rootfs DIR: a minimal root filesystem from Debian's
# busybox-static: the binary, one symlink per applet, /etc/passwd and group.
make_busybox_rootfs() {
	local dir=$1
	mkdir -p "$dir"/{bin,proc,sys,dev,tmp,etc,root}
	cp /bin/busybox "$dir/bin/busybox"
	local a
	for a in $("$dir/bin/busybox" --list); do
		[ "$a" = busybox ] || ln -sf busybox "$dir/bin/$a"
	done
	printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$dir/etc/passwd"
	printf 'root:x:0:\nnogroup:x:65534:\n' >"$dir/etc/group"
	chmod 755 "$dir"
}
