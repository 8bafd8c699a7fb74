// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include "api.h"

int cw_api_connect(const char *path)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	int fd, err;

	if (strlen(path) >= sizeof(sun.sun_path))
		return -ENAMETOOLONG;
	strcpy(sun.sun_path, path);
	fd = socket(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sun, sizeof(sun))) {
		err = -errno;
		close(fd);
		return err;
	}
	return fd;
}

int cw_api_send(int fd, json_t *doc)
{
	char *text = doc ? json_dumps(doc, JSON_COMPACT) : NULL;
	size_t len;
	ssize_t n;

	if (!text)
		return -ENOMEM;
	len = strlen(text);
	if (len > CW_MSG_MAX) {
		free(text);
		return -EMSGSIZE;
	}
	do
		n = send(fd, text, len, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	free(text);
	return n < 0 ? -errno : 0;
}

int cw_api_recv(int fd, json_t **doc, int timeout_ms)
{
	const char *text;
	size_t len;

	return cw_api_recv_text(fd, doc, &text, &len, timeout_ms);
}

int cw_api_recv_text(int fd, json_t **doc, const char **text, size_t *len, int timeout_ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN };
	static char buf[CW_MSG_MAX + 1];
	ssize_t n;
	int ret;

	*doc = NULL;
	*text = buf;
	*len = 0;
	do
		ret = poll(&pfd, 1, timeout_ms);
	while (ret < 0 && errno == EINTR);
	if (ret < 0)
		return -errno;
	if (!ret)
		return -ETIMEDOUT;
	do
		n = recv(fd, buf, sizeof(buf) - 1, MSG_CMSG_CLOEXEC);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == ECONNRESET ? 0 : -errno;
	if (!n)
		return 0;
	*len = n;
	*doc = json_loadb(buf, n, 0, NULL);
	if (!json_is_object(*doc)) {
		json_decref(*doc);
		*doc = NULL;
		return -EBADMSG;
	}
	return 0;
}
