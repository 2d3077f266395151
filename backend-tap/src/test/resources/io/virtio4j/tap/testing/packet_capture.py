# Captures, on IFACE (AF_PACKET, inside the namespace), IPv4 frames of PROTO (6 = TCP, 17 = UDP) to
# destination port PORT going DIRECTION ("in": received, "out": sent, after any segmentation and
# checksum completion the device needed) until COUNT arrived or nothing came for IDLE seconds.
# Prints "READY" once bound, then one line "frame HEX" per captured frame (the caller checks
# them), then "captured=N".
import binascii, socket, struct, sys

iface, direction, proto, port = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
count, idle = int(sys.argv[5]), float(sys.argv[6])
outgoing = direction == "out"
# ETH_P_ALL: only those sockets see outgoing frames (dev_queue_xmit_nit); IPv4 is picked out below.
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0003))
s.setsockopt(socket.SOL_SOCKET, 33, 16 << 20)  # SO_RCVBUFFORCE (root)
s.bind((iface, 0))
s.settimeout(idle)
print("READY", flush=True)
captured = 0
while captured < count:
    try:
        frame, address = s.recvfrom(65536)
    except socket.timeout:
        break
    if (address[2] == socket.PACKET_OUTGOING) != outgoing or len(frame) < 38 or frame[12:14] != b"\x08\x00" or frame[23] != proto:
        continue
    ihl = (frame[14] & 0x0f) * 4
    if len(frame) < 14 + ihl + 4 or struct.unpack_from(">H", frame, 14 + ihl + 2)[0] != port:
        continue
    print("frame " + binascii.hexlify(frame).decode(), flush=True)
    captured += 1
print("captured=%d" % captured, flush=True)
