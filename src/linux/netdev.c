/* SPDX-License-Identifier: Apache-2.0 */
#include "linux/netdev.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/if_addr.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <net/if.h>
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "util/cleanup.h"

/* one request: header, family header, attributes */
struct nl_req {
	struct nlmsghdr h;
	union {
		struct ifinfomsg ifi;
		struct ifaddrmsg ifa;
	};
	char attrs[256];
};

static void add_attr(struct nl_req *q, unsigned short type, const void *data, size_t len)
{
	if (NLMSG_ALIGN(q->h.nlmsg_len) + RTA_SPACE(len) > sizeof(*q))
		return; /* no attribute roci sends comes near: a malformed one is dropped */
	struct rtattr *a = (struct rtattr *)((char *)&q->h + NLMSG_ALIGN(q->h.nlmsg_len));
	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	memcpy(RTA_DATA(a), data, len);
	q->h.nlmsg_len = NLMSG_ALIGN(q->h.nlmsg_len) + RTA_ALIGN(a->rta_len);
}

static int nl_socket(void)
{
	int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	return fd < 0 ? -errno : fd;
}

/* Read the answers to request seq: each message goes to each (when not
 * NULL) until NLMSG_DONE (0) or NLMSG_ERROR (its error, 0 for an ACK). */
static int nl_answers(int fd, unsigned seq, int (*each)(const struct nlmsghdr *h, void *arg), void *arg)
{
	char buf[16384] __attribute__((aligned(NLMSG_ALIGNTO)));
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		for (struct nlmsghdr *h = (struct nlmsghdr *)buf; NLMSG_OK(h, (size_t)n); h = NLMSG_NEXT(h, n)) {
			if (h->nlmsg_seq != seq)
				continue;
			if (h->nlmsg_type == NLMSG_DONE)
				return 0;
			if (h->nlmsg_type == NLMSG_ERROR)
				return ((struct nlmsgerr *)NLMSG_DATA(h))->error;
			int r = each ? each(h, arg) : 0;
			if (r < 0)
				return r;
		}
	}
}

/* Send q (numbered from *seq) and wait for the kernel's answer: 0 or
 * -errno. */
static int nl_call(int fd, unsigned *seq, struct nl_req *q)
{
	q->h.nlmsg_flags |= NLM_F_REQUEST | NLM_F_ACK;
	q->h.nlmsg_seq = ++*seq;
	if (send(fd, q, q->h.nlmsg_len, 0) < 0)
		return -errno;
	return nl_answers(fd, q->h.nlmsg_seq, NULL, NULL);
}

/* The permanent, global addresses of interface index (RTM_NEWADDR
 * messages, kept whole to be sent again), as a malloc'd array. */
struct addr_list {
	struct nl_req *v;
	size_t n;
};

struct addr_dump {
	struct addr_list *l;
	int index;
};

static int keep_addr(const struct nlmsghdr *h, void *arg)
{
	struct addr_list *l = ((struct addr_dump *)arg)->l;
	int index = ((struct addr_dump *)arg)->index;
	if (h->nlmsg_type != RTM_NEWADDR)
		return 0;
	const struct ifaddrmsg *ifa = NLMSG_DATA(h);
	if ((int)ifa->ifa_index != index || ifa->ifa_scope != RT_SCOPE_UNIVERSE)
		return 0;
	unsigned flags = ifa->ifa_flags;
	size_t alen = IFA_PAYLOAD(h);
	for (const struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, alen); a = RTA_NEXT(a, alen))
		if (a->rta_type == IFA_FLAGS && RTA_PAYLOAD(a) >= sizeof(uint32_t))
			memcpy(&flags, RTA_DATA(a), sizeof(uint32_t));
	if (!(flags & IFA_F_PERMANENT) || h->nlmsg_len > sizeof(struct nl_req))
		return 0;
	struct nl_req *v = realloc(l->v, (l->n + 1) * sizeof(*v));
	if (!v)
		return -ENOMEM;
	l->v = v;
	/* the same request, but the label (the host's name): the kernel
	 * gives it the device's new name */
	struct nl_req *q = &v[l->n++];
	memset(q, 0, sizeof(*q));
	q->h.nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg));
	q->ifa = *ifa;
	alen = IFA_PAYLOAD(h);
	for (const struct rtattr *a = IFA_RTA(ifa); RTA_OK(a, alen); a = RTA_NEXT(a, alen))
		if (a->rta_type != IFA_LABEL)
			add_attr(q, a->rta_type, RTA_DATA(a), RTA_PAYLOAD(a));
	return 0;
}

static int dump_addrs(int fd, unsigned *seq, int index, struct addr_list *l)
{
	struct nl_req q = { .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifaddrmsg)),
				   .nlmsg_type = RTM_GETADDR, .nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP,
				   .nlmsg_seq = ++*seq } };
	if (send(fd, &q, q.h.nlmsg_len, 0) < 0)
		return -errno;
	struct addr_dump d = { .l = l, .index = index };
	return nl_answers(fd, q.h.nlmsg_seq, keep_addr, &d);
}

/* A netlink socket in the namespace net_ns_fd (sockets stay in the
 * namespace they were made in). */
static int nl_socket_in(int net_ns_fd, struct roci_err *err)
{
	_cleanup_close_ int self = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
	if (self < 0)
		return roci_fail(err, errno, "netDevices: open our network namespace");
	if (setns(net_ns_fd, CLONE_NEWNET) < 0)
		return roci_fail(err, errno, "netDevices: enter the container's network namespace");
	int fd = nl_socket();
	if (setns(self, CLONE_NEWNET) < 0) {
		if (fd >= 0)
			close(fd);
		return roci_fail(err, errno, "netDevices: return to our network namespace");
	}
	return fd < 0 ? roci_fail(err, -fd, "netDevices: netlink socket") : fd;
}

int roci_netdev_check(const struct roci_config *cfg, struct roci_err *err)
{
	if (!cfg->n_net_devices)
		return 0;
	if (!cfg->ns[ROCI_NS_NETWORK].present)
		return roci_failx(err, EINVAL, "linux.netDevices: the container shares the host's network namespace");
	for (size_t i = 0; i < cfg->n_net_devices; i++)
		if (!if_nametoindex(cfg->net_devices[i].host))
			return roci_failx(err, ENODEV, "linux.netDevices: no network device \"%s\" on the host",
					  cfg->net_devices[i].host);
	return 0;
}

/* One device: its addresses, the move (renamed), the addresses again and
 * up, inside. */
static int move_one(const struct roci_net_device *d, int host_nl, int ctr_nl, int net_ns_fd,
		    struct roci_err *err)
{
	unsigned seq = 0;
	int index = (int)if_nametoindex(d->host);
	if (!index)
		return roci_fail(err, errno, "linux.netDevices: %s", d->host);
	struct addr_list addrs = { 0 };
	int r = dump_addrs(host_nl, &seq, index, &addrs);
	if (r < 0) {
		free(addrs.v);
		return roci_fail(err, -r, "linux.netDevices: %s: read its addresses", d->host);
	}
	/* a name the container has already: refused before the move (the
	 * kernel would move the device, then fail to rename it) */
	if (!strchr(d->name, '%')) {
		struct nl_req get = { .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)),
					     .nlmsg_type = RTM_GETLINK },
				      .ifi = { .ifi_family = AF_UNSPEC } };
		add_attr(&get, IFLA_IFNAME, d->name, strlen(d->name) + 1);
		if (nl_call(ctr_nl, &seq, &get) == 0) {
			free(addrs.v);
			return roci_failx(err, EEXIST, "linux.netDevices: %s: the container already has a device named %s",
					  d->host, d->name);
		}
	}
	struct nl_req q = { .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_NEWLINK },
			    .ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index } };
	uint32_t nsfd = (uint32_t)net_ns_fd;
	add_attr(&q, IFLA_NET_NS_FD, &nsfd, sizeof(nsfd));
	add_attr(&q, IFLA_IFNAME, d->name, strlen(d->name) + 1);
	r = nl_call(host_nl, &seq, &q);
	if (r < 0) {
		free(addrs.v);
		return r == -EEXIST ? roci_failx(err, EEXIST, "linux.netDevices: %s: the container already has a device named %s",
						 d->host, d->name)
				    : roci_fail(err, -r, "linux.netDevices: move %s into the container as %s", d->host, d->name);
	}
	/* the kernel keeps the index where the namespace has it free, as a new one does */
	for (size_t i = 0; i < addrs.n && r >= 0; i++) {
		struct nl_req *a = &addrs.v[i];
		a->h.nlmsg_type = RTM_NEWADDR;
		a->h.nlmsg_flags = NLM_F_CREATE | NLM_F_REPLACE;
		a->ifa.ifa_index = (unsigned)index;
		r = nl_call(ctr_nl, &seq, a);
	}
	free(addrs.v);
	if (r < 0)
		return roci_fail(err, -r, "linux.netDevices: %s: give its addresses back inside", d->name);
	struct nl_req up = { .h = { .nlmsg_len = NLMSG_LENGTH(sizeof(struct ifinfomsg)), .nlmsg_type = RTM_NEWLINK },
			     .ifi = { .ifi_family = AF_UNSPEC, .ifi_index = index, .ifi_flags = IFF_UP,
				      .ifi_change = IFF_UP } };
	r = nl_call(ctr_nl, &seq, &up);
	return r < 0 ? roci_fail(err, -r, "linux.netDevices: set %s up inside", d->name) : 0;
}

int roci_netdev_move(const struct roci_config *cfg, int net_ns_fd, struct roci_err *err)
{
	if (!cfg->n_net_devices)
		return 0;
	_cleanup_close_ int host_nl = nl_socket();
	if (host_nl < 0)
		return roci_fail(err, -host_nl, "netDevices: netlink socket");
	_cleanup_close_ int ctr_nl = nl_socket_in(net_ns_fd, err);
	if (ctr_nl < 0)
		return ctr_nl;
	for (size_t i = 0; i < cfg->n_net_devices; i++) {
		int r = move_one(&cfg->net_devices[i], host_nl, ctr_nl, net_ns_fd, err);
		if (r < 0)
			return r;
	}
	return 0;
}
