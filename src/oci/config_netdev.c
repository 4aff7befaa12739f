/* SPDX-License-Identifier: Apache-2.0 */
/* linux.netDevices (runtime-spec 1.3): host interface name -> {"name"}. */
#include <errno.h>
#include <net/if.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config_parts.h"
#include "oci/jsonget.h"

/* An interface name the kernel takes: 1 to IFNAMSIZ-1 bytes, no '/', no
 * white space, not "." or "..". */
static bool ifname_ok(const char *n)
{
	size_t len = strlen(n);
	if (!len || len >= IFNAMSIZ || !strcmp(n, ".") || !strcmp(n, ".."))
		return false;
	for (const char *p = n; *p; p++)
		if (*p == '/' || *p == ':' || *p == ' ' || *p == '\t' || *p == '\n')
			return false;
	return true;
}

int roci_config_parse_net_devices(const json_t *lj, struct roci_config *c, struct roci_err *err)
{
	json_t *nd;
	int r = roci_json_object(lj, "netDevices", "linux.netDevices", &nd, err);
	if (r < 0 || !nd || !json_object_size(nd))
		return r;
	c->net_devices = calloc(json_object_size(nd), sizeof(*c->net_devices));
	if (!c->net_devices)
		return roci_fail(err, ENOMEM, "linux.netDevices");
	const char *key;
	json_t *v;
	json_object_foreach(nd, key, v) {
		char path[128];
		snprintf(path, sizeof(path), "linux.netDevices[\"%s\"]", key);
		if (!json_is_object(v))
			return roci_json_type_err(err, path, "an object", v);
		struct roci_net_device *d = &c->net_devices[c->n_net_devices++];
		if (!(d->host = strdup(key)))
			return roci_fail(err, ENOMEM, "%s", path);
		snprintf(path, sizeof(path), "linux.netDevices[\"%s\"].name", key);
		if ((r = roci_json_string(v, "name", path, &d->name, err)) < 0)
			return r;
		if (!d->name && !(d->name = strdup(key)))
			return roci_fail(err, ENOMEM, "%s", path);
		if (!ifname_ok(d->host))
			return roci_failx(err, EINVAL, "config.json: linux.netDevices: invalid interface name \"%s\"", key);
		if (!ifname_ok(d->name))
			return roci_failx(err, EINVAL, "config.json: %s: invalid interface name \"%s\"", path, d->name);
	}
	return 0;
}
