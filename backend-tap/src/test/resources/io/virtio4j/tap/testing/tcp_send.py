# Connects to DST:PORT, queues SIZE bytes without blocking (as much as the send buffer takes),
# prints "queued=N", then keeps the connection open for HOLD seconds so the stack can transmit.
import socket, sys, time

dst, port, size, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
s = socket.create_connection((dst, port), timeout=5)
s.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4 << 20)
s.setblocking(False)
data = bytes((i * 7) & 0xff for i in range(size))
queued = 0
try:
    while queued < size:
        queued += s.send(data[queued:])
except BlockingIOError:
    pass
print("queued=%d" % queued, flush=True)
time.sleep(hold)
