#!/usr/bin/env python3
# tools/link-order.py ROCI [OUT]: the functions a static roci runs, hottest
# first, for src/link-order.txt (meson's link_order option gives it to lld's
# --symbol-ordering-file). As root: it puts a uprobe on every function of a
# copy of ROCI (tracefs: the kernel counts the calls of every process that
# runs that file, the container's init included, which valgrind cannot
# follow) and runs each command once on a busybox bundle. A function that
# more commands run comes first, so that the pages every command touches
# are few and together. The string functions that glibc picks for this CPU
# at start (its IFUNCs) come first of all: the kernel cannot probe all of
# them, so their choice is read from the parked init's GOT instead.
#
# Why: the kernel maps the page cache around every fault (fault-around,
# 64 KiB), so a function called once brings its neighbours in. Laid out
# by use, each command's peak RSS falls by a third (issue 13: at most
# 1 MiB for every command).
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile

TRACE = '/sys/kernel/tracing'
REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# glibc's string functions for one CPU each (memmove_avx512_unaligned_erms,
# strlen_evex...): a uprobe on some of these broke their callers' output
VARIANT = re.compile(r'_(evex|avx|sse|erms|rtm|avx2|avx512|ssse3|sse2|sse4|sse42|unaligned|aligned|vzeroupper)')


def tracefs(name, text, append=True):
    # tracefs wants plain write(2)s: Python's buffered append mode seeks,
    # which it refuses
    flags = os.O_WRONLY | (os.O_APPEND if append else os.O_TRUNC)
    fd = os.open(os.path.join(TRACE, name), flags)
    try:
        if text:
            os.write(fd, text.encode())
    finally:
        os.close(fd)


def readelf(*args):
    return subprocess.run(['readelf', '-W', *args], check=True, capture_output=True, text=True).stdout


def text_segment(binary):
    """(file offset, address, size) of the executable LOAD segment"""
    for line in readelf('-l', binary).splitlines():
        f = line.split()
        if f and f[0] == 'LOAD' and 'E' in ''.join(f[6:-1]):
            return int(f[1], 16), int(f[2], 16), int(f[4], 16)
    sys.exit('link-order: %s has no executable segment' % binary)


def functions(binary):
    """{address: [names]} of every sized function"""
    out = {}
    for line in readelf('-s', binary).splitlines():
        f = line.split()
        if len(f) == 8 and f[3] in ('FUNC', 'IFUNC') and f[2] != '0':
            out.setdefault(int(f[1], 16), []).append(f[7])
    return out


def ifunc_choices(binary, pid):
    """the functions that the IRELATIVE slots of process PID point to"""
    funcs = functions(binary)
    slots = []
    for line in readelf('-r', binary).splitlines():
        f = line.split()
        if len(f) >= 3 and f[2] == 'R_X86_64_IRELATIVE':
            slots.append(int(f[0], 16))
    names = set()
    with open('/proc/%d/mem' % pid, 'rb') as mem:
        for slot in slots:
            mem.seek(slot)
            names.update(funcs.get(int.from_bytes(mem.read(8), 'little'), []))
    return names


class Probes:
    def __init__(self, binary):
        off, addr, size = text_segment(binary)
        self.names = []
        lines = []
        for a, ns in sorted(functions(binary).items()):
            if addr <= a < addr + size and not any(VARIANT.search(n) for n in ns):
                lines.append('p:rociorder/f%d %s:0x%x\n' % (len(lines), binary, a - addr + off))
                self.names.append(ns)
        tracefs('uprobe_events', '', append=False)
        for line in lines:
            tracefs('uprobe_events', line)
        tracefs('trace', '', append=False)
        tracefs('buffer_size_kb', '65536\n', append=False)
        tracefs('events/rociorder/enable', '1\n', append=False)

    def collect(self):
        """the names of the functions hit since the last call"""
        hit = set()
        with open(os.path.join(TRACE, 'trace')) as fh:
            for line in fh:
                m = re.search(r' f(\d+): \(', line)
                if m:
                    hit.update(self.names[int(m.group(1))])
        tracefs('trace', '', append=False)
        return hit

    def close(self):
        tracefs('events/rociorder/enable', '0\n', append=False)
        tracefs('uprobe_events', '', append=False)


def main():
    if len(sys.argv) not in (2, 3):
        sys.exit('usage: tools/link-order.py ROCI [OUT]')
    # a fresh host may not have tracefs mounted: mount it for the run only
    mounted = False
    if not os.path.isdir(os.path.join(TRACE, 'events')):
        if subprocess.run(['mount', '-t', 'tracefs', 'tracefs', TRACE]).returncode != 0:
            sys.exit('link-order: no tracefs at %s, and it cannot be mounted there' % TRACE)
        mounted = True
    # killed, it still takes its probes and containers away (finally)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit('link-order: terminated'))
    work = tempfile.mkdtemp(prefix='roci-order.')
    roci = os.path.join(work, 'roci')
    probes = None
    try:
        # a copy: other rocis that run from the build meanwhile stay unprobed
        shutil.copy(sys.argv[1], roci)
        bundle, sleeper, root = (os.path.join(work, d) for d in ('bundle', 'sleeper', 'root'))
        subprocess.run(['bash', '-c', '. "$1/tests/lib/rootfs.sh" && make_busybox_rootfs "$2/rootfs"',
                        '-', REPO, bundle], check=True)
        subprocess.run(['gcc', '-std=gnu11', '-Os', '-static', '-nostdlib', '-o', bundle + '/rootfs/tiny',
                        REPO + '/bench/tiny.c'], check=True)
        subprocess.run([roci, 'spec', '-b', bundle], check=True)
        os.makedirs(sleeper)
        jq = '.process.terminal = false | .root.path = $r | .process.args = $a'
        for d, args in ((bundle, '["/tiny"]'), (sleeper, '["sleep", "1000"]')):
            cfg = subprocess.run(['jq', '--arg', 'r', bundle + '/rootfs', '--argjson', 'a', args, jq,
                                  bundle + '/config.json'], check=True, capture_output=True, text=True).stdout
            with open(os.path.join(d, 'config.json.new'), 'w') as fh:
                fh.write(cfg)
            os.rename(os.path.join(d, 'config.json.new'), os.path.join(d, 'config.json'))

        def roci_cmd(*args):
            # stderr to a file, not a pipe: the container's init keeps it
            # open past create
            with open(os.path.join(work, 'stderr'), 'w+') as err:
                r = subprocess.run([roci, '--root', root, *args], stdin=subprocess.DEVNULL,
                                   stdout=subprocess.DEVNULL, stderr=err)
                err.seek(0)
                if r.returncode != 0:
                    sys.exit('link-order: roci %s: %s' % (' '.join(args), err.read().strip()))

        probes = Probes(roci)
        uses = {}
        plan = [('--version',), ('create', '-b', bundle, 'o1'), ('state', 'o1'), ('start', 'o1'),
                ('delete', '-f', 'o1'), ('run', '-d', '-b', sleeper, 'o2'), ('exec', 'o2', '/tiny'),
                ('list',), ('ps', 'o2'), ('pause', 'o2'), ('resume', 'o2'),
                ('update', '--pids-limit', '50', 'o2'), ('events', '--stats', 'o2'), ('kill', 'o2', 'KILL'),
                ('delete', '-f', 'o2'), ('run', '-b', bundle, 'o3'), ('features',),
                ('spec', '-b', os.path.join(work, 'spec'))]
        os.makedirs(os.path.join(work, 'spec'))
        for cmd in plan:
            roci_cmd(*cmd)
            for name in probes.collect():
                uses[name] = uses.get(name, 0) + 1
        probes.close()
        probes = None
        # the IFUNC choices, from a parked init
        roci_cmd('create', '-b', bundle, 'o4')
        state = subprocess.run([roci, '--root', root, 'state', 'o4'], check=True, stdout=subprocess.PIPE,
                               text=True).stdout
        pid = int(re.search(r'"pid":\s*(\d+)', state).group(1))
        for name in ifunc_choices(roci, pid):
            uses[name] = len(plan) + 1
        roci_cmd('delete', '-f', 'o4')
        order = sorted(uses, key=lambda n: (-uses[n], n))
        if 'main' not in uses:
            sys.exit('link-order: the probes saw no main: is %s static?' % sys.argv[1])
        text = ''.join(n + '\n' for n in order)
        if len(sys.argv) == 3:
            with open(sys.argv[2], 'w') as fh:
                fh.write(text)
        else:
            sys.stdout.write(text)
        print('link-order: %d functions, %d run by every command' %
              (len(order), sum(1 for n in order if uses[n] >= len(plan))), file=sys.stderr)
    finally:
        if probes:
            probes.close()
        subprocess.run(['bash', '-c', 'for i in o1 o2 o3 o4; do "$1" --root "$2" delete -f $i; done',
                        '-', roci, os.path.join(work, 'root')],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)
        if mounted:
            subprocess.run(['umount', TRACE])


if __name__ == '__main__':
    main()
