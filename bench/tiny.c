/* SPDX-License-Identifier: Apache-2.0 */
/* The benchmark's container process for peak-RSS measurements: it exits
 * at once and maps only a page or two, so what a runtime's peak RSS shows
 * is the runtime (a runtime reaps its container's process, and /usr/bin/time
 * counts what it reaps). x86-64 and aarch64; built with -nostdlib. */
void _start(void);

__attribute__((noreturn)) void _start(void)
{
#if defined(__x86_64__)
	__asm__ volatile("mov $60, %%eax\n\txor %%edi, %%edi\n\tsyscall" : : : "memory");
#elif defined(__aarch64__)
	__asm__ volatile("mov x8, #93\n\tmov x0, #0\n\tsvc #0" : : : "memory");
#else
#error "bench/tiny.c: add this architecture's exit system call"
#endif
	__builtin_unreachable();
}
