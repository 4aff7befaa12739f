/* SPDX-License-Identifier: Apache-2.0 */
#include "oci/jsonget.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

void roci_json_seed(void)
{
	size_t seed = 0;
	/* jansson seeds itself (urandom, then time and pid) when given 0 */
	if (getrandom(&seed, sizeof(seed), GRND_NONBLOCK) == (ssize_t)sizeof(seed))
		json_object_seed(seed);
}

const char *roci_json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "object";
	case JSON_ARRAY: return "array";
	case JSON_STRING: return "string";
	case JSON_INTEGER: return "integer";
	case JSON_REAL: return "number";
	case JSON_TRUE:
	case JSON_FALSE: return "boolean";
	default: return "null";
	}
}

int roci_json_type_err(struct roci_err *err, const char *path, const char *want, const json_t *v)
{
	return roci_failx(err, EINVAL, "config.json: %s: expected %s, got %s", path, want, roci_json_kind(v));
}

/* Optional member of an object: NULL when absent or null. */
json_t *roci_json_member(const json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);
	return v && !json_is_null(v) ? v : NULL;
}

int roci_json_object(const json_t *obj, const char *key, const char *path, json_t **out,
		      struct roci_err *err)
{
	json_t *v = roci_json_member(obj, key);
	*out = v;
	if (v && !json_is_object(v))
		return roci_json_type_err(err, path, "an object", v);
	return 0;
}

int roci_json_dup_string(const json_t *v, const char *path, char **out, struct roci_err *err)
{
	if (!json_is_string(v))
		return roci_json_type_err(err, path, "a string", v);
	if (json_string_length(v) > ROCI_JSON_MAX_STRING)
		return roci_failx(err, EINVAL, "config.json: %s: string too long", path);
	if (strlen(json_string_value(v)) != json_string_length(v))
		return roci_failx(err, EINVAL, "config.json: %s: string contains a NUL byte", path);
	*out = strdup(json_string_value(v));
	return *out ? 0 : roci_fail(err, ENOMEM, "config.json");
}

int roci_json_string(const json_t *obj, const char *key, const char *path, char **out,
		      struct roci_err *err)
{
	json_t *v = roci_json_member(obj, key);
	*out = NULL;
	return v ? roci_json_dup_string(v, path, out, err) : 0;
}

int roci_json_bool(const json_t *obj, const char *key, const char *path, bool *out,
		    struct roci_err *err)
{
	json_t *v = roci_json_member(obj, key);
	if (!v)
		return 0;
	if (!json_is_boolean(v))
		return roci_json_type_err(err, path, "a boolean", v);
	*out = json_is_true(v);
	return 0;
}

int roci_json_int(const json_t *obj, const char *key, const char *path, long long min,
		   long long max, bool *present, long long *out, struct roci_err *err)
{
	json_t *v = roci_json_member(obj, key);
	if (present)
		*present = v != NULL;
	if (!v)
		return 0;
	if (!json_is_integer(v))
		return roci_json_type_err(err, path, "an integer", v);
	long long x = json_integer_value(v);
	if (x < min || x > max)
		return roci_failx(err, ERANGE, "config.json: %s: %lld out of range [%lld, %lld]", path, x, min, max);
	*out = x;
	return 0;
}

int roci_json_u64(const json_t *obj, const char *key, const char *path, bool *present,
		   uint64_t *out, struct roci_err *err)
{
	json_t *v = roci_json_member(obj, key);
	if (present)
		*present = v != NULL;
	if (!v)
		return 0;
	/* jansson holds integers as long long; larger values arrive as reals */
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (uint64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_real(v) && json_real_value(v) >= 0 && json_real_value(v) <= 18446744073709551615.0) {
		double d = json_real_value(v);
		*out = d >= 18446744073709551615.0 ? UINT64_MAX : (uint64_t)d;
		return 0;
	}
	return roci_json_type_err(err, path, "an unsigned integer", v);
}

/* A JSON array of strings -> NULL-terminated vector. */
int roci_json_strv(const json_t *obj, const char *key, const char *path, char ***out,
		    size_t *n_out, struct roci_err *err)
{
	json_t *v = roci_json_member(obj, key);
	*out = NULL;
	if (n_out)
		*n_out = 0;
	if (!v)
		return 0;
	if (!json_is_array(v))
		return roci_json_type_err(err, path, "an array of strings", v);
	size_t n = json_array_size(v);
	if (n > ROCI_JSON_MAX_ITEMS)
		return roci_failx(err, E2BIG, "config.json: %s: too many entries (%zu)", path, n);
	char **vec = calloc(n + 1, sizeof(char *));
	if (!vec)
		return roci_fail(err, ENOMEM, "config.json");
	*out = vec;
	for (size_t i = 0; i < n; i++) {
		char p[256];
		snprintf(p, sizeof(p), "%s[%zu]", path, i);
		int r = roci_json_dup_string(json_array_get(v, i), p, &vec[i], err);
		if (r < 0)
			return r;
	}
	if (n_out)
		*n_out = n;
	return 0;
}

void roci_strv_free(char **v)
{
	for (char **p = v; p && *p; p++)
		free(*p);
	free(v);
}

