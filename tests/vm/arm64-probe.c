// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The arm64 VM's payload (tests/vm/arm64.sh), static: the VM's userland is
 * busybox, which the policy takes for a shell, so the benign work and the
 * attempts that are not a shell need a binary of their own.  Each prints
 * what happened, one line.
 *
 *   probe echo WORD          print WORD
 *   probe open PATH          open PATH read-only
 *   probe connect ADDR PORT  a TCP connect to the IPv4 ADDR:PORT
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

static int probe_open(const char *path)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	printf("open %s: %s\n", path, fd < 0 ? strerror(errno) : "ok");
	return fd < 0;
}

static int probe_connect(const char *addr, const char *port)
{
	struct sockaddr_in sin = { .sin_family = AF_INET, .sin_port = htons(atoi(port)) };
	int fd, ret;

	if (inet_pton(AF_INET, addr, &sin.sin_addr) != 1) {
		fprintf(stderr, "probe: %s: not an IPv4 address\n", addr);
		return 2;
	}
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		printf("socket: %s\n", strerror(errno));
		return 1;
	}
	ret = connect(fd, (struct sockaddr *)&sin, sizeof(sin));
	printf("connect %s:%s: %s\n", addr, port, ret ? strerror(errno) : "ok");
	close(fd);
	return ret != 0;
}

int main(int argc, char **argv)
{
	if (argc == 3 && !strcmp(argv[1], "echo"))
		return printf("%s\n", argv[2]) < 0;
	if (argc == 3 && !strcmp(argv[1], "open"))
		return probe_open(argv[2]);
	if (argc == 4 && !strcmp(argv[1], "connect"))
		return probe_connect(argv[2], argv[3]);
	fprintf(stderr, "usage: probe echo WORD | open PATH | connect ADDR PORT\n");
	return 2;
}
