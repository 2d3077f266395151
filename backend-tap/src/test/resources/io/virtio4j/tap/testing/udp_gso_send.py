# Sends one UDP GSO buffer (UDP_SEGMENT, Linux 4.18+): SIZE bytes cut into SEGMENT-byte datagrams
# by the stack, or by whoever takes the GSO frame. Payload byte i is (i * 7) & 0xff. Prints "sent=N".
import socket, sys

dst, port, size, segment = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
SOL_UDP, UDP_SEGMENT = 17, 103
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(SOL_UDP, UDP_SEGMENT, segment)
print("sent=%d" % s.sendto(bytes((i * 7) & 0xff for i in range(size)), (dst, port)))
