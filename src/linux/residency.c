/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/residency.h"

#include <errno.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

/* madvise and openat as bare system calls (returning -errno), so that
 * between dropping the code's page-table entries and blocking, only this
 * function's code runs: it is aligned so that it sits within one page, and
 * one fault maps it back (errno, too, is set only once the open returns).
 * Elsewhere, libc's syscall() (a few more pages come back). */
#if defined(__x86_64__)
static inline long bare_syscall4(long n, long a, long b, long c, long d)
{
	long ret;
	register long r10 __asm__("r10") = d;
	__asm__ volatile("syscall" : "=a"(ret) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10) : "rcx", "r11", "memory");
	return ret;
}
#elif defined(__aarch64__)
static inline long bare_syscall4(long n, long a, long b, long c, long d)
{
	register long x8 __asm__("x8") = n;
	register long x0 __asm__("x0") = a;
	register long x1 __asm__("x1") = b;
	register long x2 __asm__("x2") = c;
	register long x3 __asm__("x3") = d;
	__asm__ volatile("svc 0" : "+r"(x0) : "r"(x8), "r"(x1), "r"(x2), "r"(x3) : "memory");
	return x0;
}
#else
static inline long bare_syscall4(long n, long a, long b, long c, long d)
{
	long r = syscall(n, a, b, c, d);
	return r < 0 ? -errno : r;
}
#endif

/* The stack below this frame is dead: the deep calls that set up the
 * container have returned. One page under the page of a local variable is
 * kept for this frame; below that, up to STACK_TRIM bytes go. Where the
 * stack's mapping ends sooner, madvise skips the unmapped part (and says
 * ENOMEM), and the kernel keeps other mappings out of the guard gap below
 * a stack. */
#define STACK_TRIM (256 * 1024)

__attribute__((aligned(512), noinline))
int roci_open_released(int dirfd, const char *path, int flags, const struct roci_program_image *im)
{
	volatile char here = 0;
	uintptr_t page = im->page;
	uintptr_t keep = ((uintptr_t)&here & ~(page - 1)) - page;
	/* not the writable segment: .data, .bss and the relocated RELRO part
	 * hold state that MADV_DONTNEED would throw away */
	for (size_t i = 0; i < im->n; i++)
		if (!im->seg[i].writable)
			bare_syscall4(SYS_madvise, (long)im->seg[i].start, (long)im->seg[i].len, MADV_DONTNEED, 0);
	if (im->n && keep > STACK_TRIM)
		bare_syscall4(SYS_madvise, (long)(keep - STACK_TRIM), STACK_TRIM, MADV_DONTNEED, 0);
	long fd = bare_syscall4(SYS_openat, dirfd, (long)path, flags, 0);
	if (fd < 0) {
		errno = (int)-fd;
		return -1;
	}
	return (int)fd;
}
