/* SPDX-License-Identifier: Apache-2.0 */
/* Scope-bound cleanup helpers built on __attribute__((cleanup)). */
#pragma once
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void roci_freep(void *p)
{
	free(*(void **)p);
}

static inline void roci_closep(int *fd)
{
	if (*fd >= 0) {
		int saved = errno;
		close(*fd);
		errno = saved;
	}
}

static inline void roci_fclosep(FILE **f)
{
	if (*f)
		fclose(*f);
}

static inline void roci_closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

#define _cleanup_free_ __attribute__((cleanup(roci_freep)))
#define _cleanup_close_ __attribute__((cleanup(roci_closep)))
#define _cleanup_fclose_ __attribute__((cleanup(roci_fclosep)))
#define _cleanup_closedir_ __attribute__((cleanup(roci_closedirp)))

/* Hand ownership out of a cleanup-guarded variable. */
#define TAKE_PTR(p) ({ __typeof__(p) _t = (p); (p) = NULL; _t; })
#define TAKE_FD(fd) ({ int _t = (fd); (fd) = -1; _t; })

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
