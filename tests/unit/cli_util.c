/* SPDX-License-Identifier: Apache-2.0 */
/* Signal names, container ids and state documents. */
#include <signal.h>
#include <stdlib.h>
#include <string.h>

#include "oci/state.h"
#include "tap.h"
#include "util/ids.h"
#include "util/signals.h"

int main(void)
{
	ok(roci_signal_parse("KILL") == SIGKILL, "KILL");
	ok(roci_signal_parse("SIGKILL") == SIGKILL, "SIGKILL");
	ok(roci_signal_parse("sigterm") == SIGTERM, "lowercase sigterm");
	ok(roci_signal_parse("9") == 9, "number 9");
	ok(roci_signal_parse("USR1") == SIGUSR1, "USR1");
	ok(roci_signal_parse("SIGRTMIN+3") == SIGRTMIN + 3, "SIGRTMIN+3");
	ok(roci_signal_parse("RTMAX-1") == SIGRTMAX - 1, "RTMAX-1");
	ok(roci_signal_parse("0") < 0, "0 rejected");
	ok(roci_signal_parse("65") < 0, "65 rejected");
	ok(roci_signal_parse("-9") < 0, "-9 rejected");
	ok(roci_signal_parse("FOO") < 0, "FOO rejected");
	ok(roci_signal_parse("") < 0, "empty rejected");
	ok(roci_signal_parse("9x") < 0, "9x rejected");
	char buf[32];
	is_str(roci_signal_name(SIGTERM, buf, sizeof(buf)), "SIGTERM", "name of 15");

	struct roci_err err = { 0 };
	ok(roci_id_validate("abc-1.2_x+y", &err) == 0, "valid id");
	ok(roci_id_validate("../x", &err) < 0, "../x rejected");
	is_contains(err.msg, "invalid container id", "id message");
	ok(roci_id_validate("a/b", NULL) < 0, "slash rejected");
	ok(roci_id_validate("..", NULL) < 0, ".. rejected");
	ok(roci_id_validate(".", NULL) < 0, ". rejected");
	ok(roci_id_validate("", NULL) < 0, "empty rejected");
	ok(roci_id_validate("a b", NULL) < 0, "space rejected");
	char *longid = malloc(2000);
	memset(longid, 'a', 1999);
	longid[1999] = '\0';
	ok(roci_id_validate(longid, NULL) < 0, "overlong id rejected");
	free(longid);

	char *keys[] = { "k", NULL }, *vals[] = { "v", NULL };
	struct roci_state st = { .id = "c1", .pid = 42, .pid_starttime = 7, .bundle = "/b", .rootfs = "/b/r",
				 .created = "2026-01-01T00:00:00.000000000Z", .annotation_keys = keys,
				 .annotation_values = vals, .n_annotations = 1 };
	char *json = NULL;
	ok(roci_state_to_json(&st, &json, NULL) == 0, "state.json written");
	struct roci_state *back = NULL;
	ok(roci_state_from_json(json, &back, NULL) == 0 && back, "state.json read back");
	ok(back && back->pid == 42 && back->pid_starttime == 7 && !strcmp(back->bundle, "/b") &&
	   back->n_annotations == 1, "round trip keeps fields");
	roci_state_free(back);
	free(json);
	ok(roci_state_oci_json(&st, ROCI_STATUS_RUNNING, false, &json, NULL) == 0, "OCI state");
	is_contains(json, "\"status\":\"running\"", "status");
	is_contains(json, "\"pid\":42", "pid while running");
	is_contains(json, "\"annotations\":{\"k\":\"v\"}", "annotations");
	free(json);
	ok(roci_state_oci_json(&st, ROCI_STATUS_STOPPED, false, &json, NULL) == 0, "OCI state stopped");
	ok(json && !strstr(json, "\"pid\""), "no pid once stopped");
	free(json);
	ok(roci_state_from_json("{", &back, &err) < 0, "corrupt state.json rejected");
	return tap_done();
}
