/* SPDX-License-Identifier: Apache-2.0 */
/* checkpoint: dump a running container with CRIU (criu.h). Without
 * --leave-running (and unless it is a pre-dump) CRIU ends the container's
 * processes, and the container is then deleted, as runc does: restore
 * makes it again from the images. */
#include <errno.h>
#include <stdlib.h>

#include "oci/config.h"
#include "runtime/container.h"
#include "runtime/criu.h"

int roci_container_checkpoint(const char *root, const char *id, const struct roci_criu_opts *o,
			      const struct roci_log *log, struct roci_err *err)
{
	int r = roci_criu_check_opts(o, err);
	if (r < 0)
		return r;
	struct roci_container c;
	if ((r = roci_container_load(root, id, true, &c, err)) < 0)
		return r;
	struct roci_config *cfg = NULL;
	if (c.status != ROCI_STATUS_RUNNING)
		r = roci_failx(err, EINVAL, c.status == ROCI_STATUS_PAUSED
					  ? "container is paused: resume it before a checkpoint"
					  : "container not running");
	else if (!c.config_text)
		r = roci_failx(err, ENOENT, "container %s: its config.json is missing", id);
	else
		r = roci_config_parse_string(c.config_text, &cfg, err);
	if (r == 0) {
		roci_debug(log, "checkpoint %s: %s of pid %d", id, o->pre_dump ? "pre-dump" : "dump",
			   (int)c.st->pid);
		r = roci_criu_dump(o, cfg, c.st->pid, log, err);
	}
	roci_config_free(cfg);
	roci_container_close(&c);
	if (r < 0 || o->leave_running || o->pre_dump)
		return r;
	roci_debug(log, "checkpoint %s: dumped; deleting the container", id);
	return roci_container_delete(root, id, true, log, err);
}
