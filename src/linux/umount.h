/* SPDX-License-Identifier: Apache-2.0 */
#pragma once

/* Lazily unmount every mount at or below path (deepest first), in the
 * caller's mount namespace. Used for containers that share the host's mount
 * namespace, whose mounts live under their rootfs. Returns the count. */
int roci_unmount_under(const char *path);
