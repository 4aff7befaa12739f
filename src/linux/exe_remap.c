/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/exe_remap.h"

#include <errno.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "linux/procfs.h"
#include "linux/program_image.h"

/* Map the segment from fd elsewhere, give it the current contents where
 * they may differ from the file, then move it over the old mapping in one
 * step (mremap): no instruction ever runs on a half-made image. */
static int move_segment(const struct roci_program_image *im, const struct roci_program_segment *s, int fd,
			struct roci_err *err)
{
	int prot = s->writable ? PROT_READ | PROT_WRITE : s->prot;
	void *tmp = mmap(NULL, s->len, prot, MAP_PRIVATE, fd, s->off);
	if (tmp == MAP_FAILED)
		return roci_fail(err, errno, "map roci's image");
	if (s->writable)
		memcpy(tmp, (const void *)s->start, s->len);
	if (mremap(tmp, s->len, s->len, MREMAP_MAYMOVE | MREMAP_FIXED, (void *)s->start) == MAP_FAILED) {
		int e = errno;
		munmap(tmp, s->len);
		return roci_fail(err, e, "move roci's image");
	}
	if (s->writable && im->relro_end > im->relro_start && im->relro_start >= s->start &&
	    im->relro_end <= s->start + s->len &&
	    mprotect((void *)im->relro_start, im->relro_end - im->relro_start, PROT_READ) < 0)
		return roci_fail(err, errno, "protect roci's relocated data");
	return 0;
}

/* The addresses PR_SET_MM_MAP wants back, from /proc/self/stat (fields 26
 * to 28 and 45 to 51). */
static int mm_layout(struct prctl_mm_map *m, struct roci_err *err)
{
	unsigned long long f[52];
	int r = roci_pid_stat_fields(0, NULL, f, 51);
	if (r < 0)
		return roci_fail(err, -r, "read /proc/self/stat");
	*m = (struct prctl_mm_map){
		.start_code = f[26], .end_code = f[27], .start_stack = f[28],
		.start_data = f[45], .end_data = f[46], .start_brk = f[47],
		.brk = (uint64_t)(uintptr_t)sbrk(0),
		.arg_start = f[48], .arg_end = f[49], .env_start = f[50], .env_end = f[51],
		.exe_fd = (uint32_t)-1,
	};
	return 0;
}

int roci_exe_remap(int fd, struct roci_err *err)
{
#if defined(__SANITIZE_ADDRESS__)
	/* the copy of our own written segments reads ASan's redzones: a
	 * sanitizer build takes the fallback, a re-exec of the protected
	 * binary */
	(void)fd;
	return roci_failx(err, ENOTSUP, "in-place remap: not in an AddressSanitizer build");
#endif
	struct roci_program_image im;
	if (roci_program_image(&im) < 0)
		return roci_failx(err, ENOEXEC, "roci's program segments");
	struct prctl_mm_map m;
	int r = mm_layout(&m, err);
	if (r < 0)
		return r;
	for (size_t i = 0; i < im.n; i++)
		if ((r = move_segment(&im, &im.seg[i], fd, err)) < 0)
			return r;
	m.exe_fd = (uint32_t)fd;
	if (prctl(PR_SET_MM, PR_SET_MM_MAP, (unsigned long)&m, sizeof(m), 0) < 0)
		return roci_fail(err, errno, "make the read-only bind roci's executable");
	return 0;
}
