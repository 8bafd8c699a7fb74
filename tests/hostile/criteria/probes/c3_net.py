"""Criterion 3, external network access. Targets are documentation addresses
(TEST-NET-1, 2001:db8::/32) that route nowhere, and the metadata address: a
failure of the cell never reaches a real host."""
import socket

from common import attempt, bound, emit, in_child, read_text, report

TESTNET4 = '192.0.2.1'
TESTNET6 = '2001:db8::1'
METADATA = '169.254.169.254'


def tcp_connect(family, addr, port):
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(2)
    try:
        s.connect((addr, port))
        return 'connected'
    finally:
        s.close()


def udp_send(addr, port, payload=b'probe'):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        return s.sendto(payload, (addr, port))
    finally:
        s.close()


def loopback_control():
    """Loopback must work in the cell, or the refusals below prove nothing."""
    srv = socket.socket()
    srv.bind(('127.0.0.1', 0))
    srv.listen(1)
    cli = socket.create_connection(srv.getsockname(), timeout=2)
    conn, _ = srv.accept()
    cli.sendall(b'ping')
    data = conn.recv(4)
    for s in (conn, cli, srv):
        s.close()
    return data.decode()


def routes_off_loopback(path, iface_field):
    """Routes through any device but lo: a way out, whatever the address."""
    rows = [line.split() for line in read_text(path).splitlines()]
    return [r for r in rows if len(r) > iface_field and r[iface_field] not in ('lo', 'Iface')]


def interfaces():
    """The network devices the cell sees: /proc/net/dev, which needs no netlink socket."""
    rows = read_text('/proc/net/dev').splitlines()[2:]
    return sorted(row.split(':')[0].strip() for row in rows if ':' in row)


def main():
    bound(40)
    report('interfaces', interfaces)
    report('routes4', lambda: routes_off_loopback('/proc/net/route', 0))
    report('routes6', lambda: routes_off_loopback('/proc/net/ipv6_route', -1))
    report('loopback', loopback_control)
    report('tcp4_testnet', lambda: tcp_connect(socket.AF_INET, TESTNET4, 80))
    report('udp4_testnet', lambda: udp_send(TESTNET4, 53))
    report('tcp6_testnet', lambda: tcp_connect(socket.AF_INET6, TESTNET6, 80))
    report('dns_resolver', lambda: len(socket.getaddrinfo('example.com', 443)))
    emit('raw_socket', **in_child(lambda: attempt(
        lambda: socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_ICMP).fileno())))
    emit('packet_socket', **in_child(lambda: attempt(
        lambda: socket.socket(socket.AF_PACKET, socket.SOCK_RAW, 0).fileno())))
    # Last: reaching for the metadata service is meant to end the run.
    emit('metadata_attempt')
    report('metadata', lambda: tcp_connect(socket.AF_INET, METADATA, 80))
    emit('done')


main()
