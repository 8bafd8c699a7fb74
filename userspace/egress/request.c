// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* What a client asks the proxy for: the request head, read and parsed. */
#include "proxy.h"

/* The end of the head (after its blank line) in @buf, or 0 if not there yet. */
static size_t head_end(const char *buf, size_t len)
{
	for (size_t i = 0; i + 1 < len; i++) {
		if (buf[i] != '\n')
			continue;
		if (buf[i + 1] == '\n')
			return i + 2;
		if (i + 2 < len && buf[i + 1] == '\r' && buf[i + 2] == '\n')
			return i + 3;
	}
	return 0;
}

/*
 * Read until the blank line that ends the head: 0, -EMSGSIZE (too long),
 * -EBADMSG (a NUL in it), -ETIMEDOUT, -ECANCELED (stop), -EPIPE (the
 * client closed) or -errno.
 */
int egress_read_head(struct conn *c, long long deadline)
{
	for (;;) {
		ssize_t n;
		int err;

		c->head_len = head_end(c->in, c->in_len);
		if (c->head_len) {
			if (memchr(c->in, '\0', c->head_len))
				return -EBADMSG;
			memcpy(c->head, c->in, c->head_len);
			c->head[c->head_len] = '\0';
			return 0;
		}
		if (c->in_len == sizeof(c->in))
			return -EMSGSIZE;
		err = egress_wait_fd(c->s, c->fd[0], POLLIN, deadline);
		if (err)
			return err;
		n = recv(c->fd[0], c->in + c->in_len, sizeof(c->in) - c->in_len, MSG_DONTWAIT);
		if (n == 0)
			return -EPIPE;
		if (n < 0 && errno != EAGAIN && errno != EINTR)
			return -errno;
		if (n > 0)
			c->in_len += n;
	}
}

/*
 * "host:port", "[v6]:port", or without the port when @def_port is not 0,
 * into c->host (normalised) and c->port; NULL, or what is wrong.
 */
static const char *parse_authority(struct conn *c, const char *s, size_t len,
				   unsigned short def_port)
{
	const char *host = s, *port = NULL;
	size_t hlen = len;
	struct in6_addr a6;
	const char *why;

	if (memchr(s, '@', len))
		return "user information in the URI";
	if (len && s[0] == '[') {
		const char *end = memchr(s, ']', len);

		if (!end)
			return "an unclosed '[' in the authority";
		host = s + 1;
		hlen = end - host;
		if (end + 1 < s + len) {
			if (end[1] != ':')
				return "junk after ']' in the authority";
			port = end + 2;
		}
	} else {
		const char *colon = memrchr(s, ':', len);

		if (colon) {
			hlen = colon - s;
			port = colon + 1;
		}
	}
	if (port) {
		why = egress_parse_port(port, s + len - port, &c->port);
		if (why)
			return why;
	} else if (def_port) {
		c->port = def_port;
	} else {
		return "CONNECT needs host:port";
	}
	if (!egress_normalise_name(host, hlen, c->host, sizeof(c->host)))
		return "the host name is too long";
	if (host != s)
		return inet_pton(AF_INET6, c->host, &a6) == 1 ? NULL : "not an IPv6 address in []";
	return egress_check_labels(c->host);
}

static bool is_token(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (!isupper((unsigned char)*s) && *s != '-' && *s != '_')
			return false;
	return true;
}

/* Headers the proxy drops: its own (Proxy-*), and those it sets itself. */
static bool dropped_header(const char *name, size_t len)
{
	static const char *const set[] = { "host", "connection", "keep-alive" };

	if (len >= 6 && !strncasecmp(name, "proxy-", 6))
		return true;
	for (size_t i = 0; i < ARRAY_SIZE(set); i++)
		if (len == strlen(set[i]) && !strncasecmp(name, set[i], len))
			return true;
	return false;
}

bool egress_append(struct flow *f, const char *data, size_t len)
{
	if (f->len + len > sizeof(f->buf))
		return false;
	memcpy(f->buf + f->len, data, len);
	f->len += len;
	return true;
}

/*
 * The headers after the request line, checked; for plain HTTP also copied
 * to the server's flow, without the dropped ones.  NULL, or what is wrong.
 */
static const char *copy_headers(const char *p, struct flow *out)
{
	while (strcmp(p, "\r\n") && strcmp(p, "\n")) {
		size_t len = strcspn(p, "\n"), name_len = strcspn(p, ":\n");
		size_t line = len && p[len - 1] == '\r' ? len - 1 : len;

		if (*p == ' ' || *p == '\t')
			return "a folded header line";
		if (name_len >= line || !name_len || strcspn(p, " \t\r") < name_len)
			return "a header line without a name";
		/* A lone CR is where servers and proxies disagree on where a line ends. */
		if (memchr(p, '\r', line))
			return "a CR inside a header line";
		if (out && !dropped_header(p, name_len) &&
		    (!egress_append(out, p, line) || !egress_append(out, "\r\n", 2)))
			return "the request head is too large";
		p += len + 1;
	}
	return NULL;
}

/*
 * Parse the head: the request line, the target, the headers.  A plain
 * HTTP request is rewritten into the server's flow: origin-form target,
 * Host from the URI (a client may not name another host behind an
 * allowed address), "Connection: close" - a server must then ignore
 * whatever other request the client sends on the connection.
 */
const char *egress_parse_request(struct conn *c)
{
	char *line = c->head, *target, *version, *path;
	size_t len = strcspn(line, "\n"), alen;
	const char *why, *rest = line + len + 1;	/* the head has a blank line: a \n */
	struct flow *up = &c->flows[UP];
	char hostport[CW_EGRESS_HOST_MAX + 16];

	if (len && line[len - 1] == '\r')
		len--;
	line[len] = '\0';
	for (const char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "a control character in the request line";
	target = strchr(line, ' ');
	version = target ? strchr(target + 1, ' ') : NULL;
	if (!version || strchr(version + 1, ' '))
		return "the request line is not METHOD TARGET VERSION";
	*target++ = '\0';
	*version++ = '\0';
	if (strlen(line) >= sizeof(c->method) || !is_token(line))
		return "not an HTTP method";
	memcpy(c->method, line, strlen(line) + 1);
	if (strcmp(version, "HTTP/1.1") && strcmp(version, "HTTP/1.0"))
		return "not HTTP/1.0 or HTTP/1.1";

	if (!strcmp(c->method, "CONNECT")) {
		c->tunnel = true;
		why = parse_authority(c, target, strlen(target), 0);
		return why ?: copy_headers(rest, NULL);
	}

	if (strncasecmp(target, "http://", 7))
		return strncasecmp(target, "https://", 8) ?
			       "not an absolute http:// URI (is this a proxy request?)" :
			       "https:// needs CONNECT";
	target += 7;
	alen = strcspn(target, "/?#");
	why = parse_authority(c, target, alen, 80);
	if (why)
		return why;
	path = target + alen;
	path[strcspn(path, "#")] = '\0';

	if (strchr(c->host, ':'))
		snprintf(hostport, sizeof(hostport), "[%s]", c->host);
	else
		snprintf(hostport, sizeof(hostport), "%s", c->host);
	if (c->port != 80)
		snprintf(hostport + strlen(hostport), sizeof(hostport) - strlen(hostport), ":%u",
			 c->port);

	up->len = snprintf(up->buf, sizeof(up->buf), "%s %s%s %s\r\n", c->method,
			   *path == '/' ? "" : "/", path, version);
	why = copy_headers(rest, up);
	if (why)
		return why;
	if (!egress_append(up, "Host: ", 6) || !egress_append(up, hostport, strlen(hostport)) ||
	    !egress_append(up, "\r\nConnection: close\r\n\r\n", 23))
		return "the request head is too large";
	return NULL;
}

