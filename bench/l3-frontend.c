/*
 * l3-frontend: the two "guests" of the routed (ovs-only L3) benchmark in bench/switch-compare.sh.
 *
 * Why it exists: a router decrements the TTL of every frame it forwards, and dpdk-testpmd never
 * refreshes it, so a testpmd loop through a router dies after 64 passes. This front-end is
 * testpmd's io forwarding plus exactly what a pair of hosts would do to keep the traffic routed:
 * every frame it receives on one port it sends out of the other with
 *   - Ethernet destination = the gateway MAC of the subnet behind the port it leaves by,
 *   - Ethernet source      = that port's own MAC (the host's MAC, a static neighbour of the router),
 *   - IPv4 TTL 64 and the header checksum recomputed (in full, every frame).
 * The IP addresses are never touched: a frame injected on port 0 is addressed from host 0 to host 1
 * and keeps crossing the router in the 0 -> 1 direction forever (port 1 receives it routed, and
 * sends it back into port 0's side, still addressed to host 1); port 1's frames go the other way.
 * So every pass through the back-end is one routed frame: MACs rewritten, TTL decremented.
 *
 * It speaks the subset of testpmd's interactive commands the script uses, on stdin, with
 * testpmd's output format for the figures the script reads:
 *   start tx_first N      inject N bursts of 32 frames on each port, then forward
 *   show port stats all   per port: RX-packets/RX-bytes and "Rx-pps/Rx-bps" since the last show
 *   quit                  prints the frames the forwarding core dropped (TX ring full) and exits
 *
 * Build: gcc -O2 -o l3-frontend l3-frontend.c $(pkg-config --cflags --libs libdpdk)
 * Run:   l3-frontend EAL-ARGS -- --gw-mac0 MAC --gw-mac1 MAC --ip0 A.B.C.D --ip1 A.B.C.D [--pkt-len N]
 * (EAL-ARGS must give two ports and exactly one worker lcore, the forwarding core.)
 */
#include <arpa/inet.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <rte_cycles.h>
#include <rte_eal.h>
#include <rte_ethdev.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include <rte_launch.h>
#include <rte_lcore.h>
#include <rte_mbuf.h>
#include <rte_udp.h>

#define PORTS 2
#define BURST 32
#define RING_SIZE 1024
#define MBUFS 32768

static struct rte_ether_addr gw_mac[PORTS];   /* gateway MAC of the subnet behind each port */
static struct rte_ether_addr own_mac[PORTS];  /* each port's own MAC */
static uint32_t host_ip[PORTS];               /* network order */
static uint16_t pkt_len = 64;
static struct rte_mempool *pool;

static volatile int running = 1;
static volatile int inject_bursts = -1;       /* set by "start tx_first N"; the worker injects */
static uint64_t tx_dropped;                   /* frames a full TX ring refused (freed), all ports */

/* Rewrites a frame for transmission on port `out`: MACs, and TTL + checksum for IPv4. */
static inline void rewrite(struct rte_mbuf *m, uint16_t out)
{
    if (rte_pktmbuf_data_len(m) < sizeof(struct rte_ether_hdr))
        return;
    struct rte_ether_hdr *eth = rte_pktmbuf_mtod(m, struct rte_ether_hdr *);
    rte_ether_addr_copy(&gw_mac[out], &eth->dst_addr);
    rte_ether_addr_copy(&own_mac[out], &eth->src_addr);
    if (eth->ether_type != rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4)
        || rte_pktmbuf_data_len(m) < sizeof(*eth) + sizeof(struct rte_ipv4_hdr))
        return;
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
    ip->time_to_live = 64;
    ip->hdr_checksum = 0;
    ip->hdr_checksum = rte_ipv4_cksum(ip);
}

/* One frame from host `port` to the other host, addressed to the gateway behind `port`. */
static struct rte_mbuf *make_frame(uint16_t port, uint16_t seq)
{
    struct rte_mbuf *m = rte_pktmbuf_alloc(pool);
    if (m == NULL)
        return NULL;
    char *p = rte_pktmbuf_append(m, pkt_len);
    if (p == NULL) {
        rte_pktmbuf_free(m);
        return NULL;
    }
    memset(p, 0, pkt_len);
    struct rte_ether_hdr *eth = (struct rte_ether_hdr *)p;
    eth->ether_type = rte_cpu_to_be_16(RTE_ETHER_TYPE_IPV4);
    struct rte_ipv4_hdr *ip = (struct rte_ipv4_hdr *)(eth + 1);
    ip->version_ihl = RTE_IPV4_VHL_DEF;
    ip->total_length = rte_cpu_to_be_16(pkt_len - sizeof(*eth));
    ip->packet_id = rte_cpu_to_be_16(seq);
    ip->next_proto_id = IPPROTO_UDP;
    ip->src_addr = host_ip[port];
    ip->dst_addr = host_ip[1 - port];
    struct rte_udp_hdr *udp = (struct rte_udp_hdr *)(ip + 1);
    udp->src_port = rte_cpu_to_be_16(9);
    udp->dst_port = rte_cpu_to_be_16(9);
    udp->dgram_len = rte_cpu_to_be_16(pkt_len - sizeof(*eth) - sizeof(*ip));
    rewrite(m, port);
    return m;
}

static void inject(int bursts)
{
    for (uint16_t port = 0; port < PORTS; port++) {
        for (int b = 0; b < bursts; b++) {
            struct rte_mbuf *burst[BURST];
            uint16_t n = 0;
            while (n < BURST && (burst[n] = make_frame(port, (uint16_t)(b * BURST + n))) != NULL)
                n++;
            uint16_t sent = rte_eth_tx_burst(port, 0, burst, n);
            if (sent < n)
                rte_pktmbuf_free_bulk(&burst[sent], n - sent);
        }
    }
}

/* The forwarding core: what testpmd's io forwarding does, plus rewrite(). */
static int forward(__rte_unused void *arg)
{
    struct rte_mbuf *burst[BURST];
    while (running) {
        if (inject_bursts >= 0) {
            inject(inject_bursts);
            inject_bursts = -1;
        }
        for (uint16_t in = 0; in < PORTS; in++) {
            uint16_t out = 1 - in;
            uint16_t n = rte_eth_rx_burst(in, 0, burst, BURST);
            if (n == 0)
                continue;
            for (uint16_t i = 0; i < n; i++)
                rewrite(burst[i], out);
            uint16_t sent = rte_eth_tx_burst(out, 0, burst, n);
            if (sent < n) {
                rte_pktmbuf_free_bulk(&burst[sent], n - sent);
                tx_dropped += n - sent;
            }
        }
    }
    return 0;
}

static int port_init(uint16_t port)
{
    struct rte_eth_conf conf;
    memset(&conf, 0, sizeof(conf));
    if (rte_eth_dev_configure(port, 1, 1, &conf) != 0
        || rte_eth_rx_queue_setup(port, 0, RING_SIZE, rte_eth_dev_socket_id(port), NULL, pool) != 0
        || rte_eth_tx_queue_setup(port, 0, RING_SIZE, rte_eth_dev_socket_id(port), NULL) != 0
        || rte_eth_dev_start(port) != 0)
        return -1;
    return rte_eth_macaddr_get(port, &own_mac[port]);
}

/* testpmd's "show port stats all" lines the script reads, with its own since-last-show rates. */
static void show_stats(void)
{
    static uint64_t last_pkts[PORTS], last_bytes[PORTS], last_cycles[PORTS];
    for (uint16_t port = 0; port < PORTS; port++) {
        struct rte_eth_stats s;
        rte_eth_stats_get(port, &s);
        uint64_t now = rte_get_tsc_cycles();
        uint64_t dt = last_cycles[port] ? now - last_cycles[port] : 0;
        double secs = (double)dt / (double)rte_get_tsc_hz();
        uint64_t pps = secs > 0 ? (uint64_t)((s.ipackets - last_pkts[port]) / secs) : 0;
        uint64_t bps = secs > 0 ? (uint64_t)((s.ibytes - last_bytes[port]) * 8 / secs) : 0;
        last_pkts[port] = s.ipackets;
        last_bytes[port] = s.ibytes;
        last_cycles[port] = now;
        printf("\n  ######################## NIC statistics for port %u  ########################\n", port);
        printf("  RX-packets: %-10" PRIu64 " RX-missed: %-10" PRIu64 " RX-bytes:  %-" PRIu64 "\n",
               s.ipackets, s.imissed, s.ibytes);
        printf("  TX-packets: %-10" PRIu64 " TX-errors: %-10" PRIu64 " TX-bytes:  %-" PRIu64 "\n",
               s.opackets, s.oerrors, s.obytes);
        printf("\n  Throughput (since last show)\n");
        printf("  Rx-pps: %12" PRIu64 "          Rx-bps: %12" PRIu64 "\n", pps, bps);
    }
}

static int parse_mac(const char *s, struct rte_ether_addr *mac)
{
    return rte_ether_unformat_addr(s, mac);
}

static int parse_args(int argc, char **argv)
{
    int have = 0;
    for (int i = 0; i + 1 < argc; i += 2) {
        const char *k = argv[i], *v = argv[i + 1];
        struct in_addr a;
        if (strcmp(k, "--gw-mac0") == 0 && parse_mac(v, &gw_mac[0]) == 0)
            have |= 1;
        else if (strcmp(k, "--gw-mac1") == 0 && parse_mac(v, &gw_mac[1]) == 0)
            have |= 2;
        else if (strcmp(k, "--ip0") == 0 && inet_pton(AF_INET, v, &a) == 1)
            host_ip[0] = a.s_addr, have |= 4;
        else if (strcmp(k, "--ip1") == 0 && inet_pton(AF_INET, v, &a) == 1)
            host_ip[1] = a.s_addr, have |= 8;
        else if (strcmp(k, "--pkt-len") == 0 && atoi(v) >= 60 && atoi(v) <= 1518)
            pkt_len = (uint16_t)atoi(v);
        else
            return -1;
    }
    return (argc % 2 == 0 && have == 15) ? 0 : -1;
}

static void on_signal(__rte_unused int sig)
{
    running = 0;
}

int main(int argc, char **argv)
{
    int used = rte_eal_init(argc, argv);
    if (used < 0)
        rte_exit(EXIT_FAILURE, "l3-frontend: EAL init failed\n");
    if (parse_args(argc - used - 1, argv + used + 1) != 0)
        rte_exit(EXIT_FAILURE, "usage: l3-frontend EAL-ARGS -- --gw-mac0 MAC --gw-mac1 MAC"
                 " --ip0 A.B.C.D --ip1 A.B.C.D [--pkt-len 60..1518]\n");
    if (rte_eth_dev_count_avail() != PORTS)
        rte_exit(EXIT_FAILURE, "l3-frontend: needs exactly 2 ports, has %u\n", rte_eth_dev_count_avail());
    unsigned worker = rte_get_next_lcore(-1, 1, 0);
    if (worker >= RTE_MAX_LCORE)
        rte_exit(EXIT_FAILURE, "l3-frontend: needs one worker lcore besides the main one\n");
    pool = rte_pktmbuf_pool_create("l3fe", MBUFS, 256, 0, RTE_MBUF_DEFAULT_BUF_SIZE, rte_socket_id());
    if (pool == NULL)
        rte_exit(EXIT_FAILURE, "l3-frontend: no mbuf pool: %s\n", rte_strerror(rte_errno));
    for (uint16_t port = 0; port < PORTS; port++)
        if (port_init(port) != 0)
            rte_exit(EXIT_FAILURE, "l3-frontend: port %u failed to start\n", port);
    signal(SIGINT, on_signal);
    signal(SIGTERM, on_signal);
    rte_eal_remote_launch(forward, NULL, worker);

    char line[256];
    printf("l3fe> ");
    fflush(stdout);
    while (running && fgets(line, sizeof(line), stdin) != NULL) {
        int n;
        if (sscanf(line, "start tx_first %d", &n) == 1 && n >= 0 && n <= 64)
            inject_bursts = n;
        else if (strncmp(line, "show port stats all", 19) == 0)
            show_stats();
        else if (strncmp(line, "quit", 4) == 0)
            break;
        else if (line[0] != '\n')
            printf("unknown command: %s", line);
        printf("l3fe> ");
        fflush(stdout);
    }
    running = 0;
    rte_eal_mp_wait_lcore();
    /* testpmd's summary line for what the forwarding core could not send. */
    printf("\n  +++++++++++++++ Accumulated forward statistics for all ports+++++++++++++++\n");
    printf("  TX-dropped: %-14" PRIu64 "\n", tx_dropped);
    for (uint16_t port = 0; port < PORTS; port++) {
        rte_eth_dev_stop(port);
        rte_eth_dev_close(port);
    }
    rte_eal_cleanup();
    printf("\nBye...\n");
    return 0;
}
