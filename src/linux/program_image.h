/* SPDX-License-Identifier: Apache-2.0 */
/* roci's own program as it is mapped: its PT_LOAD segments, from
 * dl_iterate_phdr (the first object it reports is the program itself). */
#pragma once
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

/* The file-backed pages of one PT_LOAD segment, page-aligned (the last
 * file page's tail past p_filesz is .bss, and is part of it). */
struct roci_program_segment {
	uintptr_t start, len;
	off_t off;        /* file offset of start */
	int prot;         /* PROT_* from the segment's flags */
	bool writable;    /* written since load (relocations, data) */
};

struct roci_program_image {
	uintptr_t page;   /* the page size */
	size_t n;
	struct roci_program_segment seg[8];
	uintptr_t relro_start, relro_end;  /* read-only after relocation; 0 if none */
};

/* 0, or -ENOEXEC when the program has no segment or more than seg holds
 * (im->n is then 0). */
int roci_program_image(struct roci_program_image *im);
