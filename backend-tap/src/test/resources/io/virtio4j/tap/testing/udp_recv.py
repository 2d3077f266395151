# Receives datagrams on BIND:PORT until COUNT arrived or nothing came for IDLE seconds, checking
# every payload (8-byte big-endian sequence, then (seq + i) & 0xff) and its size.
# Prints "READY" once bound, then "received=N valid=V invalid=I duplicates=D rcvbuf_errors=E".
import socket, struct, sys

bind, port, count, size, idle = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5])
pattern = bytes(range(256)) * (size // 256 + 2)

def rcvbuf_errors():
    lines = [l.split() for l in open("/proc/net/snmp") if l.startswith("Udp:")]
    return int(lines[1][lines[0].index("RcvbufErrors")])

s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 33, 64 << 20)  # SO_RCVBUFFORCE (root): room for bursts
s.bind((bind, port))
s.settimeout(idle)
errors_before = rcvbuf_errors()
print("READY", flush=True)
seen = bytearray(count)
received = valid = invalid = duplicates = 0
buf = bytearray(65536)
while received < count:
    try:
        n = s.recv_into(buf)
    except socket.timeout:
        break
    received += 1
    seq = struct.unpack_from(">Q", buf, 0)[0] if n >= 8 else -1
    if n == size and 0 <= seq < count and buf[8:n] == pattern[seq % 256: seq % 256 + size - 8]:
        if seen[seq]:
            duplicates += 1
        seen[seq] = 1
        valid += 1
    else:
        invalid += 1
print("received=%d valid=%d invalid=%d duplicates=%d rcvbuf_errors=%d"
      % (received, valid, invalid, duplicates, rcvbuf_errors() - errors_before))
