/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/exe_remap.h"

#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <linux/prctl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <unistd.h>

#include "util/cleanup.h"

/* One PT_LOAD segment's file-backed pages. */
struct seg {
	uintptr_t start, len;
	off_t off;
	int prot;
	bool writable;  /* written since load (relocations, data): copied over */
};

struct image {
	uintptr_t page;
	size_t n;
	bool too_many;
	struct seg seg[8];
	uintptr_t relro_start, relro_end;  /* read-only after relocation */
};

/* The first object dl_iterate_phdr reports is the program itself. */
static int collect(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct image *im = data;
	uintptr_t mask = ~(im->page - 1);
	for (size_t i = 0; i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		uintptr_t va = info->dlpi_addr + ph->p_vaddr;
		if (ph->p_type == PT_GNU_RELRO) {
			im->relro_start = va & mask;
			im->relro_end = (va + ph->p_memsz) & mask;
		}
		if (ph->p_type != PT_LOAD || !ph->p_filesz)
			continue;
		if (im->n == sizeof(im->seg) / sizeof(im->seg[0])) {
			im->too_many = true;
			break;
		}
		struct seg *s = &im->seg[im->n++];
		s->start = va & mask;
		/* the last file page: its tail past p_filesz is .bss, copied too */
		s->len = ((va + ph->p_filesz + im->page - 1) & mask) - s->start;
		s->off = (off_t)(ph->p_offset & mask);
		s->prot = ((ph->p_flags & PF_R) ? PROT_READ : 0) | ((ph->p_flags & PF_W) ? PROT_WRITE : 0) |
			  ((ph->p_flags & PF_X) ? PROT_EXEC : 0);
		s->writable = ph->p_flags & PF_W;
	}
	return 1;
}

/* Map the segment from fd elsewhere, give it the current contents where
 * they may differ from the file, then move it over the old mapping in one
 * step (mremap): no instruction ever runs on a half-made image. */
static int move_segment(const struct image *im, const struct seg *s, int fd, struct roci_err *err)
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
 * to 28 and 45 to 51; the name in field 2 may hold spaces and parens). */
static int mm_layout(struct prctl_mm_map *m, struct roci_err *err)
{
	char buf[1024];
	_cleanup_close_ int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return roci_fail(err, errno, "open /proc/self/stat");
	ssize_t n = read(fd, buf, sizeof(buf) - 1);
	if (n <= 0)
		return roci_fail(err, n < 0 ? errno : EIO, "read /proc/self/stat");
	buf[n] = '\0';
	char *p = strrchr(buf, ')');
	unsigned long long f[52] = { 0 };
	int field = 2;
	while (p && field < 51) {
		p = strchr(p + 1, ' ');
		if (!p)
			break;
		f[++field] = strtoull(p + 1, NULL, 10);
	}
	if (field < 51)
		return roci_failx(err, EIO, "/proc/self/stat: %d fields", field);
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
	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0)
		return roci_failx(err, EINVAL, "page size");
	struct image im = { .page = (uintptr_t)page };
	dl_iterate_phdr(collect, &im);
	if (!im.n || im.too_many)
		return roci_failx(err, ENOEXEC, "roci's image has %zu segments", im.n);
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
