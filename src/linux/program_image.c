/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/program_image.h"

#include <errno.h>
#include <link.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

struct collect {
	struct roci_program_image *im;
	bool too_many;
};

static int collect(struct dl_phdr_info *info, size_t size, void *data)
{
	(void)size;
	struct collect *c = data;
	struct roci_program_image *im = c->im;
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
			c->too_many = true;
			break;
		}
		struct roci_program_segment *s = &im->seg[im->n++];
		s->start = va & mask;
		s->len = ((va + ph->p_filesz + im->page - 1) & mask) - s->start;
		s->off = (off_t)(ph->p_offset & mask);
		s->prot = ((ph->p_flags & PF_R) ? PROT_READ : 0) | ((ph->p_flags & PF_W) ? PROT_WRITE : 0) |
			  ((ph->p_flags & PF_X) ? PROT_EXEC : 0);
		s->writable = ph->p_flags & PF_W;
	}
	return 1;
}

int roci_program_image(struct roci_program_image *im)
{
	memset(im, 0, sizeof(*im));
	long page = sysconf(_SC_PAGESIZE);
	if (page <= 0)
		return -ENOEXEC;
	im->page = (uintptr_t)page;
	struct collect c = { .im = im };
	dl_iterate_phdr(collect, &c);
	if (!im->n || c.too_many) {
		im->n = 0;
		return -ENOEXEC;
	}
	return 0;
}
