/* SPDX-License-Identifier: Apache-2.0 */
/* Typed accessors for config.json members, shared by the config parsers.
 * Each names the field in its error ("process.args[1]: expected a string");
 * an absent or null member is "not present", never an error. */
#pragma once
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "util/error.h"

#define ROCI_JSON_MAX_ITEMS 65536
#define ROCI_JSON_MAX_STRING (1u << 20)

/* Seed jansson's hash function from getrandom, once, before any JSON is
 * made: one system call, where jansson would open and read /dev/urandom. */
void roci_json_seed(void);

const char *roci_json_kind(const json_t *v);
int roci_json_type_err(struct roci_err *err, const char *path, const char *want, const json_t *v);
json_t *roci_json_member(const json_t *obj, const char *key);
int roci_json_object(const json_t *obj, const char *key, const char *path, json_t **out,
		     struct roci_err *err);
int roci_json_dup_string(const json_t *v, const char *path, char **out, struct roci_err *err);
int roci_json_string(const json_t *obj, const char *key, const char *path, char **out,
		     struct roci_err *err);
int roci_json_bool(const json_t *obj, const char *key, const char *path, bool *out,
		   struct roci_err *err);
int roci_json_int(const json_t *obj, const char *key, const char *path, long long min,
		  long long max, bool *present, long long *out, struct roci_err *err);
int roci_json_u64(const json_t *obj, const char *key, const char *path, bool *present,
		  uint64_t *out, struct roci_err *err);
/* A JSON array of strings -> NULL-terminated vector (freed by roci_strv_free). */
int roci_json_strv(const json_t *obj, const char *key, const char *path, char ***out,
		   size_t *n_out, struct roci_err *err);
void roci_strv_free(char **v);

static inline void roci_strv_freep(char ***v)
{
	roci_strv_free(*v);
}
#define _cleanup_strv_ __attribute__((cleanup(roci_strv_freep)))
