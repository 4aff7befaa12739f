/* SPDX-License-Identifier: Apache-2.0 */
/* config.json -> struct roci_config. Every field is type- and range-checked
 * by the parsers; errors name the field ("process.args[1]: expected a
 * string"). This file holds the document level (ociVersion, root, hostname,
 * domainname, annotations), loading and freeing; each section of the spec
 * is parsed in its own file, in document order: config_process.c,
 * config_mounts.c, config_hooks.c, config_linux.c and config_security.c. */
#include "oci/config.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "oci/config_parts.h"
#include "oci/jsonget.h"
#include "util/cleanup.h"

static int parse_annotations(const json_t *root, struct roci_config *c, struct roci_err *err)
{
	json_t *a;
	int r = roci_json_object(root, "annotations", "annotations", &a, err);
	if (r < 0 || !a)
		return r;
	size_t n = json_object_size(a);
	if (n > ROCI_JSON_MAX_ITEMS)
		return roci_failx(err, E2BIG, "config.json: annotations: too many entries");
	c->annotation_keys = calloc(n + 1, sizeof(char *));
	c->annotation_values = calloc(n + 1, sizeof(char *));
	if (!c->annotation_keys || !c->annotation_values)
		return roci_fail(err, ENOMEM, "config.json");
	const char *key;
	json_t *val;
	size_t i = 0;
	json_object_foreach(a, key, val) {
		char p[256];
		snprintf(p, sizeof(p), "annotations[\"%.200s\"]", key);
		if ((r = roci_json_dup_string(val, p, &c->annotation_values[i], err)) < 0)
			return r;
		c->annotation_keys[i] = strdup(key);
		if (!c->annotation_keys[i])
			return roci_fail(err, ENOMEM, "config.json");
		i++;
		c->n_annotations = i;
	}
	return 0;
}

static int parse_doc(json_t *root, struct roci_config *c, struct roci_err *err)
{
	int r;
	if (!json_is_object(root))
		return roci_json_type_err(err, "(document)", "an object", root);
	if ((r = roci_json_string(root, "ociVersion", "ociVersion", &c->oci_version, err)) < 0)
		return r;
	if (!c->oci_version)
		return roci_failx(err, EINVAL, "config.json: ociVersion: required");
	json_t *rj;
	if ((r = roci_json_object(root, "root", "root", &rj, err)) < 0)
		return r;
	if (!rj)
		return roci_failx(err, EINVAL, "config.json: root: required");
	if ((r = roci_json_string(rj, "path", "root.path", &c->root_path, err)) < 0)
		return r;
	if (!c->root_path || !*c->root_path)
		return roci_failx(err, EINVAL, "config.json: root.path: required");
	if ((r = roci_json_bool(rj, "readonly", "root.readonly", &c->root_readonly, err)) < 0)
		return r;
	if ((r = roci_json_string(root, "hostname", "hostname", &c->hostname, err)) < 0)
		return r;
	if (c->hostname && !*c->hostname) {
		free(c->hostname);
		c->hostname = NULL;
	}
	if (c->hostname && strlen(c->hostname) > 64)
		return roci_failx(err, EINVAL, "config.json: hostname: longer than 64 characters");
	if ((r = roci_json_string(root, "domainname", "domainname", &c->domainname, err)) < 0)
		return r;
	if (c->domainname && !*c->domainname) {
		free(c->domainname);
		c->domainname = NULL;
	}
	if (c->domainname && strlen(c->domainname) > 64)
		return roci_failx(err, EINVAL, "config.json: domainname: longer than 64 characters");
	json_t *pj;
	if ((r = roci_json_object(root, "process", "process", &pj, err)) < 0)
		return r;
	if (pj) {
		c->process = calloc(1, sizeof(*c->process));
		if (!c->process)
			return roci_fail(err, ENOMEM, "config.json");
		if ((r = roci_config_parse_process(pj, c->process, err)) < 0)
			return r;
	}
	if ((r = roci_config_parse_mounts(root, c, err)) < 0)
		return r;
	if ((r = roci_config_parse_hooks(root, c, err)) < 0)
		return r;
	if ((r = parse_annotations(root, c, err)) < 0)
		return r;
	json_t *lj;
	if ((r = roci_json_object(root, "linux", "linux", &lj, err)) < 0)
		return r;
	if (lj && (r = roci_config_parse_linux(lj, c, err)) < 0)
		return r;
	return 0;
}

int roci_config_parse_string(const char *text, struct roci_config **out, struct roci_err *err)
{
	json_error_t je;
	json_t *root = json_loads(text, JSON_REJECT_DUPLICATES, &je);
	if (!root)
		return roci_failx(err, EINVAL, "config.json: invalid JSON at line %d, column %d: %s",
				  je.line, je.column, je.text);
	struct roci_config *c = calloc(1, sizeof(*c));
	if (!c) {
		json_decref(root);
		return roci_fail(err, ENOMEM, "config.json");
	}
	c->json = root;
	int r = parse_doc(root, c, err);
	if (r < 0) {
		roci_config_free(c);
		return r;
	}
	*out = c;
	return 0;
}

int roci_config_load(const char *path, struct roci_config **out, struct roci_err *err)
{
	_cleanup_fclose_ FILE *f = fopen(path, "re");
	if (!f)
		return roci_fail(err, errno, "open %s", path);
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	_cleanup_fclose_ FILE *mem = open_memstream(&buf, &len);
	if (!mem)
		return roci_fail(err, ENOMEM, "read %s", path);
	char chunk[65536];
	size_t n;
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
		fwrite(chunk, 1, n, mem);
	if (ferror(f))
		return roci_fail(err, EIO, "read %s", path);
	fclose(mem);
	mem = NULL;
	return roci_config_parse_string(buf, out, err);
}

void roci_config_free(struct roci_config *c)
{
	if (!c)
		return;
	free(c->oci_version);
	free(c->root_path);
	free(c->hostname);
	free(c->domainname);
	roci_process_free(c->process);
	for (size_t i = 0; i < c->n_mounts; i++) {
		struct roci_mount *m = &c->mounts[i];
		free(m->destination);
		free(m->type);
		free(m->source);
		roci_strv_free(m->options);
		free(m->uid_mappings);
		free(m->gid_mappings);
	}
	free(c->mounts);
	for (int k = 0; k < ROCI_HOOK_KIND_COUNT; k++) {
		for (size_t i = 0; i < c->hooks[k].n; i++) {
			free(c->hooks[k].hooks[i].path);
			roci_strv_free(c->hooks[k].hooks[i].args);
			roci_strv_free(c->hooks[k].hooks[i].env);
		}
		free(c->hooks[k].hooks);
	}
	roci_strv_free(c->annotation_keys);
	roci_strv_free(c->annotation_values);
	for (int t = 0; t < ROCI_NS_COUNT; t++)
		free(c->ns[t].path);
	free(c->uid_mappings);
	free(c->gid_mappings);
	for (size_t i = 0; i < c->n_devices; i++)
		free(c->devices[i].path);
	free(c->devices);
	free(c->cgroups_path);
	roci_resources_free(&c->resources);
	free(c->rootfs_propagation);
	roci_strv_free(c->masked_paths);
	roci_strv_free(c->readonly_paths);
	free(c->mount_label);
	free(c->memory_policy.nodes);
	for (size_t i = 0; i < c->n_net_devices; i++) {
		free(c->net_devices[i].host);
		free(c->net_devices[i].name);
	}
	free(c->net_devices);
	roci_config_free_security(c);
	json_decref(c->json);
	free(c);
}
