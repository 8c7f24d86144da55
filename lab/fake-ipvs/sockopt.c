/*
 * LD_PRELOAD for keepalived on a kernel without IPVS (index.ts buildSockoptPreload;
 * bench/checker-capacity.ts, soak/long-soak.ts):
 * keepalived's libipvs finds no "IPVS" generic-netlink family and falls
 * back to the IP_VS_SO_* socket options on a raw socket; this answers those
 * as an empty IPVS 1.2.1 would and accepts every change, so the checker
 * process starts and runs its checkers instead of exiting with "IPVS: Can't
 * initialize ipvs". The counterpart of the fake IPVS port keepalived-ts's
 * side runs over (register.ts). Everything else goes to libc.
 *
 * Build: cc -shared -fPIC -O2 -o fake-ipvs.so sockopt.c -ldl
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#define IP_VS_BASE_CTL (64 + 1024 + 64)
#define IP_VS_SO_SET_MAX (IP_VS_BASE_CTL + 15)
#define IP_VS_SO_GET_VERSION IP_VS_BASE_CTL
#define IP_VS_SO_GET_INFO (IP_VS_BASE_CTL + 1)
#define IP_VS_SO_GET_MAX (IP_VS_BASE_CTL + 7)

static int is_ipvs(int level, int optname, int max)
{
	return level == IPPROTO_IP && optname >= IP_VS_BASE_CTL && optname <= max;
}

int setsockopt(int fd, int level, int optname, const void *optval, socklen_t optlen)
{
	static int (*real)(int, int, int, const void *, socklen_t);
	if (is_ipvs(level, optname, IP_VS_SO_SET_MAX))
		return 0;
	if (!real)
		real = dlsym(RTLD_NEXT, "setsockopt");
	return real(fd, level, optname, optval, optlen);
}

int getsockopt(int fd, int level, int optname, void *optval, socklen_t *optlen)
{
	static int (*real)(int, int, int, void *, socklen_t *);
	if (is_ipvs(level, optname, IP_VS_SO_GET_MAX)) {
		/* every reply (services, destinations, timeouts, daemons) is empty */
		memset(optval, 0, *optlen);
		if (optname == IP_VS_SO_GET_VERSION)
			snprintf(optval, *optlen, "IP Virtual Server version 1.2.1 (size=4096)");
		else if (optname == IP_VS_SO_GET_INFO && *optlen >= 8) {
			unsigned int *info = optval; /* struct ip_vs_getinfo */
			info[0] = (1 << 16) | (2 << 8) | 1;
			info[1] = 4096;
		}
		return 0;
	}
	if (!real)
		real = dlsym(RTLD_NEXT, "getsockopt");
	return real(fd, level, optname, optval, optlen);
}
