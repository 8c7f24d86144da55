# Runs under `ip netns exec` for vrrp-flood.test.ts: floods ff02::12 on IFNAME with VRRPv3 adverts for VRID
# (priority 254, one address) sent with hop limit 64, for SECONDS seconds, then prints how many it sent. Each
# is refused ("invalid TTL/HL") after being read, as a flood of bad packets is. Their checksum is right: the
# receiving socket has the kernel check it (IPV6_CHECKSUM) and would drop them unread otherwise.
#
#   python3 vrrp6-flood.py IFNAME VRID SECONDS
import socket
import struct
import sys
import time

ifname, vrid, seconds = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
ifindex = socket.if_nametoindex(ifname)
sock = socket.socket(socket.AF_INET6, socket.SOCK_RAW, 112)
sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 64)
# the kernel fills in the checksum at offset 6
sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_CHECKSUM, 6)
sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_IF, ifindex)
sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_LOOP, 0)
# version 3, type 1 (advert), priority 254, one address, max advert interval 100 cs, checksum left to the kernel
advert = struct.pack('!BBBBHH', 0x31, vrid, 254, 1, 100, 0) + socket.inet_pton(socket.AF_INET6, 'fd99::dead')
destination = ('ff02::12', 0, 0, ifindex)
sent = 0
end = time.monotonic() + seconds
while time.monotonic() < end:
    for _ in range(1000):
        try:
            sock.sendto(advert, destination)
            sent += 1
        except BlockingIOError:
            pass
print(sent)
