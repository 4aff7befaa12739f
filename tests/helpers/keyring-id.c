/* SPDX-License-Identifier: Apache-2.0 */
/* Print the serial of the caller's session keyring (0 if it has none).
 * Built static so the tests can copy it into a busybox rootfs. */
#include <stdio.h>
#include <sys/syscall.h>
#include <unistd.h>

#define KEYCTL_GET_KEYRING_ID 0
#define KEY_SPEC_SESSION_KEYRING -3

int main(void)
{
	long id = syscall(SYS_keyctl, KEYCTL_GET_KEYRING_ID, KEY_SPEC_SESSION_KEYRING, 0);
	printf("%ld\n", id < 0 ? 0 : id);
	return 0;
}
