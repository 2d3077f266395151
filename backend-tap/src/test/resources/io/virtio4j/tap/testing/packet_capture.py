# Captures, on IFACE (AF_PACKET, inside the namespace), IPv4 frames of PROTO (6 = TCP, 17 = UDP) to
# destination port PORT until COUNT arrived or nothing came for IDLE seconds. Prints "READY" once
# bound, then one line "frame HEX" per captured frame (the caller checks them), then "captured=N".
import binascii, socket, struct, sys

iface, proto, port, count, idle = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
s = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
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
    if address[2] == socket.PACKET_OUTGOING or len(frame) < 38 or frame[23] != proto:
        continue
    ihl = (frame[14] & 0x0f) * 4
    if len(frame) < 14 + ihl + 4 or struct.unpack_from(">H", frame, 14 + ihl + 2)[0] != port:
        continue
    print("frame " + binascii.hexlify(frame).decode(), flush=True)
    captured += 1
print("captured=%d" % captured, flush=True)
