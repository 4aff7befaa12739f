/* SPDX-License-Identifier: Apache-2.0 */
/* config.json mounts: destination (made absolute), type, source, options
 * and the idmapped-mount uidMappings/gidMappings of each entry. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>

#include "oci/config_parts.h"
#include "oci/jsonget.h"

int roci_config_parse_mounts(const json_t *root, struct roci_config *c, struct roci_err *err)
{
	json_t *v = roci_json_member(root, "mounts");
	if (!v)
		return 0;
	if (!json_is_array(v))
		return roci_json_type_err(err, "mounts", "an array", v);
	size_t n = json_array_size(v);
	if (n > 4096)
		return roci_failx(err, E2BIG, "config.json: mounts: too many entries (%zu)", n);
	c->mounts = calloc(n ? n : 1, sizeof(*c->mounts));
	if (!c->mounts)
		return roci_fail(err, ENOMEM, "config.json");
	c->n_mounts = n;
	for (size_t i = 0; i < n; i++) {
		json_t *m = json_array_get(v, i);
		struct roci_mount *mt = &c->mounts[i];
		char p[64], pp[96];
		int r;
		snprintf(p, sizeof(p), "mounts[%zu]", i);
		if (!json_is_object(m))
			return roci_json_type_err(err, p, "an object", m);
		snprintf(pp, sizeof(pp), "%s.destination", p);
		char *dest = NULL;
		if ((r = roci_json_string(m, "destination", pp, &dest, err)) < 0)
			return r;
		if (!dest || !*dest) {
			free(dest);
			return roci_failx(err, EINVAL, "config.json: %s: required", pp);
		}
		if (dest[0] != '/') {
			/* runc takes a relative destination as relative to / */
			char *abs = NULL;
			if (asprintf(&abs, "/%s", dest) < 0)
				abs = NULL;
			free(dest);
			dest = abs;
			if (!dest)
				return roci_fail(err, ENOMEM, "config.json");
		}
		mt->destination = dest;
		snprintf(pp, sizeof(pp), "%s.type", p);
		if ((r = roci_json_string(m, "type", pp, &mt->type, err)) < 0)
			return r;
		snprintf(pp, sizeof(pp), "%s.source", p);
		if ((r = roci_json_string(m, "source", pp, &mt->source, err)) < 0)
			return r;
		snprintf(pp, sizeof(pp), "%s.options", p);
		if ((r = roci_json_strv(m, "options", pp, &mt->options, &mt->n_options, err)) < 0)
			return r;
		if (!mt->options && !(mt->options = calloc(1, sizeof(char *))))
			return roci_fail(err, ENOMEM, "config.json");
		snprintf(pp, sizeof(pp), "%s.uidMappings", p);
		if ((r = roci_config_parse_id_mappings(m, "uidMappings", pp, &mt->uid_mappings,
							 &mt->n_uid_mappings, err)) < 0)
			return r;
		snprintf(pp, sizeof(pp), "%s.gidMappings", p);
		if ((r = roci_config_parse_id_mappings(m, "gidMappings", pp, &mt->gid_mappings,
							 &mt->n_gid_mappings, err)) < 0)
			return r;
	}
	return 0;
}
