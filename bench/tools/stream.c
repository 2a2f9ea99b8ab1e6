/* stream: the timed MPTCP sender/receiver of bench/handover.sh.
 *
 *   stream server -p PORT [-o FILE] [-t MAX_S] [-q] [-l SLOT_MS]
 *   stream client -a ADDR -p PORT -d SECONDS [-i INTERVAL_MS] [-b]
 *   stream now        CLOCK_MONOTONIC in ns
 *   stream stamp      copies stdin lines to stdout, each prefixed by the
 *                     CLOCK_MONOTONIC ns of its arrival
 *
 * The client writes one 100-byte record every INTERVAL_MS (10 by default)
 * over one MPTCP connection: magic, sequence number and the time the write
 * was due (CLOCK_MONOTONIC, the same clock in every namespace of a host).
 * Stamping the due time rather than the time write() returned means a
 * write that blocks on a full send buffer counts as delayed.  With -b it
 * writes as fast as it can instead (records back to back, 65000 bytes a
 * call).  At the end it shuts its side down and waits for the server's
 * EOF, so that "sent" means delivered; any error is printed and the exit
 * status is 1.
 *
 * The server accepts one connection and reads until EOF (or MAX_S): with
 * -o it writes "seq due_ns arrival_ns" per record (arrival = the read()
 * that completed the record), and it always prints one summary line:
 *   bytes=N records=N first=SEQ last=SEQ gaps=N eof=0|1 error=TEXT
 * where gaps counts records missing or out of order (TCP: must be 0).
 * With -l it also draws the stream live on stderr, one character per
 * SLOT_MS from the accept: '#' when a record arrived in that slot, '.'
 * when none did, and '|' where a SIGUSR1 came (scripts/demo.sh sends one
 * when it breaks the Wi-Fi), so a pause is seen as it happens.  At most
 * STREAM_STRIP_MAX slots, one terminal line; then a '>' ends the strip.
 *
 * Plain C, no dependency on the daemon it measures.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define STREAM_IPPROTO_MPTCP 262
#define STREAM_REC 100
#define STREAM_MAGIC 0x68616e64u	/* "hand" */
#define STREAM_BULK_RECS 650
#define STREAM_EOF_WAIT_MS 20000
#define STREAM_POLL_MS 200
#define STREAM_STRIP_MAX 64

struct stream_rec {
	uint32_t magic;
	uint32_t seq;
	uint64_t due_ns;
	char pad[STREAM_REC - 16];
} __attribute__((packed));

_Static_assert(sizeof(struct stream_rec) == STREAM_REC, "one record is 100 bytes");

struct stream_arrival {
	uint32_t seq;
	uint64_t due_ns, arrival_ns;
};

struct stream_opts {
	const char *addr, *out;
	int port, duration_s, interval_ms, max_s, bulk, quiet, slot_ms;
};

/* Set by SIGUSR1, drawn as '|' in the live strip. */
static volatile sig_atomic_t stream_marked;

static uint64_t stream_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void stream_sleep_until(uint64_t ns)
{
	struct timespec ts = { .tv_sec = (time_t)(ns / 1000000000u),
			       .tv_nsec = (long)(ns % 1000000000u) };

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

static int stream_socket(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, STREAM_IPPROTO_MPTCP);

	if (fd < 0)
		perror("stream: socket(IPPROTO_MPTCP)");
	return fd;
}

static int stream_sockaddr(const char *addr, int port, struct sockaddr_in *sin)
{
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr, &sin->sin_addr) != 1) {
		fprintf(stderr, "stream: bad IPv4 address %s\n", addr);
		return -EINVAL;
	}
	return 0;
}

/* write_all: 0, or -errno of the failed write. */
static int stream_write_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = write(fd, buf, len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* After SHUT_WR, wait (bounded) for the server's EOF: everything sent has
 * then been read by the server. */
static int stream_wait_eof(int fd)
{
	struct pollfd p = { .fd = fd, .events = POLLIN };
	uint64_t end = stream_now() + (uint64_t)STREAM_EOF_WAIT_MS * 1000000u;
	char buf[512];

	while (stream_now() < end) {
		ssize_t n;

		if (poll(&p, 1, 200) <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 0;
		if (n < 0 && errno != EINTR)
			return -errno;
	}
	return -ETIMEDOUT;
}

static void stream_fill(struct stream_rec *recs, int n, uint32_t *seq, uint64_t due)
{
	int i;

	for (i = 0; i < n; i++) {
		memset(&recs[i], 0, sizeof(recs[i]));
		recs[i].magic = STREAM_MAGIC;
		recs[i].seq = (*seq)++;
		recs[i].due_ns = due;
	}
}

/* The sending loop: returns 0 or -errno of the failed write. */
static int stream_send(int fd, const struct stream_opts *o, uint32_t *seq)
{
	static struct stream_rec recs[STREAM_BULK_RECS];
	uint64_t start = stream_now(), step = (uint64_t)o->interval_ms * 1000000u;
	uint64_t end = start + (uint64_t)o->duration_s * 1000000000u;
	int n = o->bulk ? STREAM_BULK_RECS : 1, rc;

	for (;;) {
		uint64_t due = o->bulk ? stream_now() : start + *seq * step;

		if (due >= end)
			return 0;
		if (!o->bulk)
			stream_sleep_until(due);
		stream_fill(recs, n, seq, due);
		rc = stream_write_all(fd, (const char *)recs, sizeof(recs[0]) * (size_t)n);
		if (rc < 0)
			return rc;
	}
}

static int stream_client(const struct stream_opts *o)
{
	struct sockaddr_in sin;
	uint32_t seq = 0;
	int fd, one = 1, rc;

	if (stream_sockaddr(o->addr, o->port, &sin) < 0)
		return 2;
	fd = stream_socket();
	if (fd < 0)
		return 2;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0) {
		printf("error=connect:%s sent=0\n", strerror(errno));
		return 1;
	}
	/* Not every kernel takes TCP_NODELAY on an MPTCP socket: best effort. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	printf("start_ns=%llu\n", (unsigned long long)stream_now());
	fflush(stdout);
	rc = stream_send(fd, o, &seq);
	if (rc == 0 && shutdown(fd, SHUT_WR) < 0)
		rc = -errno;
	if (rc == 0)
		rc = stream_wait_eof(fd);
	printf("sent=%u bytes=%llu error=%s\n", seq,
	       (unsigned long long)seq * STREAM_REC, rc ? strerror(-rc) : "none");
	close(fd);
	return rc ? 1 : 0;
}

static int stream_listen(int port)
{
	struct sockaddr_in sin;
	int fd, one = 1;

	if (stream_sockaddr("0.0.0.0", port, &sin) < 0)
		return -EINVAL;
	fd = stream_socket();
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&sin, sizeof(sin)) < 0 || listen(fd, 4) < 0) {
		perror("stream: bind/listen");
		close(fd);
		return -errno;
	}
	return fd;
}

struct stream_rx {
	struct stream_arrival *arr;
	size_t n, cap;
	uint64_t bytes, records, gaps;
	uint32_t first, last;
	int have_first, quiet;
	unsigned char part[STREAM_REC];
	size_t part_len;
	/* The live strip: 0 slot_ns when off. */
	uint64_t slot_ns, next_slot;
	int slot_seen, slots;
};

/* Draws the slots that ended by NOW, then the mark if one came. */
static void stream_strip(struct stream_rx *rx, uint64_t now)
{
	if (!rx->slot_ns)
		return;
	while (now >= rx->next_slot) {
		if (rx->slots < STREAM_STRIP_MAX)
			fputc(rx->slot_seen ? '#' : '.', stderr);
		else if (rx->slots == STREAM_STRIP_MAX)
			fputc('>', stderr);
		rx->slots++;
		rx->slot_seen = 0;
		rx->next_slot += rx->slot_ns;
	}
	if (stream_marked) {
		stream_marked = 0;
		if (rx->slots < STREAM_STRIP_MAX)
			fputc('|', stderr);
	}
}

/* poll()'s timeout: up to the end of the current slot when drawing. */
static int stream_poll_ms(const struct stream_rx *rx, uint64_t now)
{
	uint64_t ms;

	if (!rx->slot_ns)
		return STREAM_POLL_MS;
	ms = rx->next_slot > now ? (rx->next_slot - now) / 1000000u + 1 : 0;
	return ms < STREAM_POLL_MS ? (int)ms : STREAM_POLL_MS;
}

static int stream_rx_record(struct stream_rx *rx, const struct stream_rec *r, uint64_t now)
{
	if (r->magic != STREAM_MAGIC || (rx->have_first && r->seq != rx->last + 1))
		rx->gaps++;
	if (!rx->have_first)
		rx->first = r->seq;
	rx->have_first = 1;
	rx->last = r->seq;
	rx->records++;
	rx->slot_seen = 1;
	if (rx->quiet)
		return 0;
	if (rx->n == rx->cap) {
		size_t cap = rx->cap ? rx->cap * 2 : 4096;
		struct stream_arrival *a = realloc(rx->arr, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		rx->arr = a;
		rx->cap = cap;
	}
	rx->arr[rx->n++] = (struct stream_arrival){ r->seq, r->due_ns, now };
	return 0;
}

/* Feeds received bytes, reassembling records split across reads. */
static int stream_rx_feed(struct stream_rx *rx, const unsigned char *buf, size_t len,
			  uint64_t now)
{
	struct stream_rec r;
	int rc;

	rx->bytes += len;
	while (len > 0) {
		size_t take = STREAM_REC - rx->part_len;

		if (take > len)
			take = len;
		memcpy(rx->part + rx->part_len, buf, take);
		rx->part_len += take;
		buf += take;
		len -= take;
		if (rx->part_len < STREAM_REC)
			break;
		memcpy(&r, rx->part, sizeof(r));
		rx->part_len = 0;
		rc = stream_rx_record(rx, &r, now);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Reads fd until EOF or the deadline; returns 1 on EOF, 0 on timeout,
 * -errno on error. */
static int stream_rx_loop(int fd, struct stream_rx *rx, uint64_t deadline)
{
	static unsigned char buf[1 << 16];
	struct pollfd p = { .fd = fd, .events = POLLIN };

	while (stream_now() < deadline) {
		uint64_t now;
		ssize_t n;
		int rc;

		rc = poll(&p, 1, stream_poll_ms(rx, stream_now()));
		stream_strip(rx, stream_now());
		if (rc <= 0)
			continue;
		n = read(fd, buf, sizeof(buf));
		if (n == 0)
			return 1;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		now = stream_now();
		stream_strip(rx, now);
		rc = stream_rx_feed(rx, buf, (size_t)n, now);
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int stream_accept(int lfd, uint64_t deadline)
{
	struct pollfd p = { .fd = lfd, .events = POLLIN };

	while (stream_now() < deadline) {
		if (poll(&p, 1, 200) > 0)
			return accept(lfd, NULL, NULL);
	}
	return -1;
}

static int stream_dump(const struct stream_rx *rx, const char *path)
{
	FILE *f = fopen(path, "w");
	size_t i;

	if (!f) {
		perror(path);
		return -errno;
	}
	for (i = 0; i < rx->n; i++)
		fprintf(f, "%u %llu %llu\n", rx->arr[i].seq,
			(unsigned long long)rx->arr[i].due_ns,
			(unsigned long long)rx->arr[i].arrival_ns);
	return fclose(f) ? -errno : 0;
}

static int stream_server(const struct stream_opts *o)
{
	uint64_t deadline = stream_now() + (uint64_t)o->max_s * 1000000000u;
	struct stream_rx rx = { .quiet = o->quiet || !o->out };
	int lfd, fd, rc = 0;

	lfd = stream_listen(o->port);
	if (lfd < 0)
		return 2;
	fd = stream_accept(lfd, deadline);
	if (fd >= 0 && o->slot_ms > 0) {
		rx.slot_ns = (uint64_t)o->slot_ms * 1000000u;
		rx.next_slot = stream_now() + rx.slot_ns;
	}
	if (fd >= 0)
		rc = stream_rx_loop(fd, &rx, deadline);
	if (rx.slot_ns)
		fputc('\n', stderr);
	if (o->out && stream_dump(&rx, o->out) < 0)
		rc = -EIO;
	printf("bytes=%llu records=%llu first=%u last=%u gaps=%llu eof=%d error=%s\n",
	       (unsigned long long)rx.bytes, (unsigned long long)rx.records, rx.first,
	       rx.last, (unsigned long long)rx.gaps, rc == 1,
	       fd < 0 ? "no-connection" : rc < 0 ? strerror(-rc) : rc == 0 ? "timeout" : "none");
	free(rx.arr);
	return rc == 1 ? 0 : 1;
}

static int stream_stamp(void)
{
	char line[4096];

	while (fgets(line, sizeof(line), stdin)) {
		printf("%llu %s", (unsigned long long)stream_now(), line);
		fflush(stdout);
	}
	return 0;
}

static int stream_usage(void)
{
	fprintf(stderr, "usage: stream server -p PORT [-o FILE] [-t MAX_S] [-q] [-l SLOT_MS]\n"
			"       stream client -a ADDR -p PORT -d SECONDS [-i MS] [-b]\n"
			"       stream now | stamp\n");
	return 2;
}

static int stream_parse(int argc, char **argv, struct stream_opts *o)
{
	int c;

	while ((c = getopt(argc, argv, "a:p:o:t:d:i:l:bq")) != -1) {
		switch (c) {
		case 'a': o->addr = optarg; break;
		case 'p': o->port = atoi(optarg); break;
		case 'o': o->out = optarg; break;
		case 't': o->max_s = atoi(optarg); break;
		case 'd': o->duration_s = atoi(optarg); break;
		case 'i': o->interval_ms = atoi(optarg); break;
		case 'b': o->bulk = 1; break;
		case 'q': o->quiet = 1; break;
		case 'l': o->slot_ms = atoi(optarg); break;
		default: return -EINVAL;
		}
	}
	if (o->port <= 0 || o->port > 65535 || o->interval_ms <= 0 || o->max_s <= 0 ||
	    o->slot_ms < 0)
		return -EINVAL;
	return 0;
}

static void stream_on_usr1(int sig)
{
	(void)sig;
	stream_marked = 1;
}

int main(int argc, char **argv)
{
	struct stream_opts o = { .interval_ms = 10, .max_s = 120, .duration_s = 10 };
	/* No SA_RESTART: the mark interrupts poll() and is drawn at once. */
	struct sigaction usr1 = { .sa_handler = stream_on_usr1 };

	signal(SIGPIPE, SIG_IGN);
	sigaction(SIGUSR1, &usr1, NULL);
	if (argc < 2)
		return stream_usage();
	if (!strcmp(argv[1], "now")) {
		printf("%llu\n", (unsigned long long)stream_now());
		return 0;
	}
	if (!strcmp(argv[1], "stamp"))
		return stream_stamp();
	if (stream_parse(argc - 1, argv + 1, &o) < 0)
		return stream_usage();
	if (!strcmp(argv[1], "server"))
		return stream_server(&o);
	if (!strcmp(argv[1], "client") && o.addr)
		return stream_client(&o);
	return stream_usage();
}
