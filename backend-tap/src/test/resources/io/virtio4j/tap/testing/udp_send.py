# Sends COUNT UDP datagrams of SIZE bytes to DST:PORT from FLOWS sockets (distinct source ports).
# Payload: 8-byte big-endian sequence number, then bytes (seq + i) & 0xff. Prints "sent=N".
import os, socket, struct, sys

dst, port, count, size = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
flows = int(sys.argv[5]) if len(sys.argv) > 5 else 1
pattern = bytes(range(256)) * (size // 256 + 2)
socks = []
for _ in range(flows):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
    socks.append(s)
sent = 0
for seq in range(count):
    body = struct.pack(">Q", seq) + pattern[seq % 256: seq % 256 + size - 8]
    while True:
        try:
            socks[seq % flows].sendto(body, (dst, port))
            break
        except BlockingIOError:
            continue
        except OSError as e:
            if e.errno == 105:  # ENOBUFS: the device queue is full, retry
                continue
            raise
    sent += 1
    if sent % 64 == 0:
        os.sched_yield()  # let the reader on the other end run: the TAP ring drops what it cannot hold
print("sent=%d" % sent)
