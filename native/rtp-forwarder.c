/*
 * Native RTP forwarding engine for Linekey's two-leg relay (src/media/rtp-relay.ts).
 *
 * Why: in JavaScript every datagram costs a recvmsg, a libuv callback, a JS call and a
 * sendmsg; at 5000 packets/s that alone is ~6 % of a core. Here one worker thread per
 * process waits on one epoll set holding every relay socket, reads with recvmmsg and writes
 * with sendmmsg, so a burst of packets on one socket costs two syscalls and no JS at all.
 *
 * Socket ownership. The JS side keeps owning the sockets (bound by the port pool). attach()
 * takes a dup() of each fd, so a socket closed by JS can never leave a stale fd number in our
 * epoll set that a later socket reuses. The JS side stops libuv reading the socket
 * (uv_udp_recv_stop) before attaching; libuv may still *send* on it (prompts), which is safe
 * because only reading is exclusive. detach() removes the fds from epoll and closes the dups
 * under the engine lock, so once it returns the thread will not touch the socket again and
 * the port is free as soon as JS closes its own fd.
 *
 * Locking. One mutex guards the session table. The worker takes it once per epoll wakeup and
 * holds it while it forwards that wakeup's packets (microseconds); JS calls (configure,
 * stats, detach) take it briefly. Each epoll registration carries the session's generation,
 * so an event fetched before a detach (or for a slot reused since) is recognised and ignored.
 *
 * Per-packet semantics mirror the JS path exactly: RTP check (RFC 5761 §4), source check and
 * latching, hold, optional rewrite (PT, µ-law↔A-law payload, SSRC), counters.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <node_api.h>

/* Datagrams read (and written) per syscall. RTP arrives at 50 pps per socket, so a batch
 * larger than a burst of one socket would only cost memory. */
#ifndef BATCH
#define BATCH 32
#endif
/* Largest UDP payload over IPv4: the JS path forwards anything dgram delivers, so do we. */
#define BUF_SIZE 65536
/* recvmmsg rounds per ready socket per turn, so one flooded socket cannot starve others;
 * a socket left with data is served again on the next turn (see worker()). */
#ifndef MAX_ROUNDS
#define MAX_ROUNDS 4
#endif
/* (BATCH and MAX_ROUNDS can be shrunk with -D to push the tests through the carry-over path.) */
#define MAX_EVENTS 128
#define WAKE_TOKEN UINT64_MAX

enum latch_mode { LATCH_OFF = 0, LATCH_HOST = 1, LATCH_ANY = 2 };

typedef struct {
  int fd;                       /* our dup of the JS socket's fd */
  struct sockaddr_in signalled; /* sin_port 0: unknown */
  struct sockaddr_in dest;      /* where packets toward this leg go; sin_port 0: unknown */
  uint32_t remote_gen;          /* JS's generation of the signalled remote, echoed on latch */
  uint8_t latch;
  uint8_t latched;
  uint8_t held;
  double p_in, b_in, p_out, b_out, drops; /* doubles: read by JS as numbers, exact to 2^53 */
} leg_t;

/* How packets received on one leg are rewritten toward the other (RelayRoute in JS). */
typedef struct {
  uint8_t identity;
  uint8_t has_table;
  int pt_in;
  int pt_out;
  int64_t ssrc; /* < 0: keep the sender's */
  uint8_t table[256];
} route_t;

struct env_state;

typedef struct {
  uint32_t gen;
  double token; /* JS's id for this session, echoed in latch notifications */
  struct env_state* env;
  leg_t leg[2];
  route_t route[2]; /* route[i]: packets received on leg i, sent from leg 1-i */
} session_t;

/* Per Node environment (main thread or a worker_thread that loaded the addon). */
typedef struct env_state {
  napi_threadsafe_function tsfn;
  napi_ref handler;
} env_state;

typedef struct {
  double token;
  uint32_t leg;
  uint32_t gen;
  uint16_t port;
  char address[INET_ADDRSTRLEN];
} latch_note;

static struct {
  pthread_mutex_t mu;
  int running;
  int stopping;
  int epfd;
  int wakefd;
  pthread_t thread;
  uint32_t next_gen;
  session_t** slots;
  uint32_t nslots;
  uint32_t live;
  uint32_t envs;
  struct batch* batch; /* the worker's buffers */
} E = {.mu = PTHREAD_MUTEX_INITIALIZER, .epfd = -1, .wakefd = -1};

/* ---- per-packet work (worker thread, engine lock held) ---- */

static int is_rtp(const uint8_t* b, size_t len) {
  /* Version 2 and not RTCP (second octet 192–223, RFC 5761 §4), as isRtp() in rtp-packet.ts. */
  return len >= 12 && (b[0] & 0xc0) == 0x80 && !(b[1] >= 192 && b[1] <= 223);
}

static long payload_offset(const uint8_t* b, size_t len) {
  size_t off = 12 + (size_t)(b[0] & 0x0f) * 4;
  if (b[0] & 0x10) {
    if (off + 4 > len) return -1;
    off += 4 + (((size_t)b[off + 2] << 8) | b[off + 3]) * 4;
  }
  return off <= len ? (long)off : -1;
}

static long payload_end(const uint8_t* b, long off, size_t len) {
  if ((b[0] & 0x20) == 0) return (long)len;
  uint8_t pad = b[len - 1];
  if (pad == 0 || (long)len - pad < off) return -1;
  return (long)len - pad;
}

static int apply_route(const route_t* r, uint8_t* b, size_t len) {
  uint8_t b1 = b[1];
  if ((b1 & 0x7f) == r->pt_in) {
    if (r->has_table) {
      long off = payload_offset(b, len);
      if (off < 0) return 0;
      long end = payload_end(b, off, len);
      if (end < 0) return 0;
      for (long i = off; i < end; i++) b[i] = r->table[b[i]];
    }
    if (r->pt_out != r->pt_in) b[1] = (uint8_t)((b1 & 0x80) | r->pt_out);
  }
  if (r->ssrc >= 0) {
    uint32_t s = (uint32_t)r->ssrc;
    b[8] = (uint8_t)(s >> 24);
    b[9] = (uint8_t)(s >> 16);
    b[10] = (uint8_t)(s >> 8);
    b[11] = (uint8_t)s;
  }
  return 1;
}

static void notify_latch(session_t* s, int legi) {
  env_state* env = s->env;
  if (env == NULL || env->tsfn == NULL) return;
  latch_note* n = malloc(sizeof *n);
  if (n == NULL) return;
  const leg_t* l = &s->leg[legi];
  n->token = s->token;
  n->leg = (uint32_t)legi;
  n->gen = l->remote_gen;
  n->port = ntohs(l->dest.sin_port);
  inet_ntop(AF_INET, &l->dest.sin_addr, n->address, sizeof n->address);
  /* Non-blocking on an unbounded queue: never waits on the JS thread. */
  if (napi_call_threadsafe_function(env->tsfn, n, napi_tsfn_nonblocking) != napi_ok) free(n);
}

/* Source check for a packet received on leg `legi`, latching when allowed (RelayLeg.accept). */
static int accept_source(session_t* s, int legi, const struct sockaddr_in* src) {
  leg_t* l = &s->leg[legi];
  if (l->latched) {
    return src->sin_port == l->dest.sin_port && src->sin_addr.s_addr == l->dest.sin_addr.s_addr;
  }
  switch (l->latch) {
    case LATCH_OFF:
      return l->signalled.sin_port != 0 && src->sin_addr.s_addr == l->signalled.sin_addr.s_addr;
    case LATCH_HOST:
      if (l->signalled.sin_port == 0 || src->sin_addr.s_addr != l->signalled.sin_addr.s_addr) return 0;
      break;
    default:
      break;
  }
  l->dest.sin_family = AF_INET;
  l->dest.sin_addr = src->sin_addr;
  l->dest.sin_port = src->sin_port;
  l->latched = 1;
  /* Queued before the packet is sent, so JS sees 'latched' no later than the far end sees it. */
  notify_latch(s, legi);
  return 1;
}

typedef struct batch {
  struct mmsghdr rmsg[BATCH];
  struct iovec riov[BATCH];
  struct sockaddr_in rsrc[BATCH];
  struct mmsghdr smsg[BATCH];
  struct iovec siov[BATCH];
  struct sockaddr_in dest;
  uint8_t* buf; /* BATCH × BUF_SIZE; untouched pages never become resident */
} batch_t;

static void batch_init(batch_t* bt) {
  for (int i = 0; i < BATCH; i++) {
    bt->riov[i].iov_base = bt->buf + (size_t)i * BUF_SIZE;
    bt->riov[i].iov_len = BUF_SIZE;
    bt->rmsg[i].msg_hdr.msg_name = &bt->rsrc[i];
    bt->rmsg[i].msg_hdr.msg_namelen = sizeof bt->rsrc[i];
    bt->rmsg[i].msg_hdr.msg_iov = &bt->riov[i];
    bt->rmsg[i].msg_hdr.msg_iovlen = 1;
    bt->smsg[i].msg_hdr.msg_name = &bt->dest;
    bt->smsg[i].msg_hdr.msg_namelen = sizeof bt->dest;
    bt->smsg[i].msg_hdr.msg_iov = &bt->siov[i];
    bt->smsg[i].msg_hdr.msg_iovlen = 1;
  }
}

/* Reads what leg `from` has and forwards it from the other leg's socket. Returns 0 once the
 * socket is drained, 1 when it may still hold data (the round limit was reached). */
static int pump(batch_t* bt, session_t* s, int from) {
  leg_t* in = &s->leg[from];
  leg_t* out = &s->leg[1 - from];
  const route_t* r = &s->route[from];
  for (int round = 0; round < MAX_ROUNDS; round++) {
    int n = recvmmsg(in->fd, bt->rmsg, BATCH, MSG_DONTWAIT, NULL);
    if (n < 0) {
      if (errno == EAGAIN || errno == EWOULDBLOCK) return 0;
      continue; /* EINTR, or a pending socket error (reported once, as libuv ignores it) */
    }
    /* The kernel overwrote these for the entries it filled; everything else stays as set up. */
    for (int i = 0; i < n; i++) bt->rmsg[i].msg_hdr.msg_namelen = sizeof bt->rsrc[i];
    /* Hold and the remote cannot change while we hold the lock: decide once per batch. */
    int can_send = !out->held && out->dest.sin_port != 0;
    bt->dest = out->dest;
    int m = 0;
    for (int i = 0; i < n; i++) {
      uint8_t* b = bt->riov[i].iov_base;
      size_t len = bt->rmsg[i].msg_len;
      in->p_in += 1;
      in->b_in += (double)len;
      if (!is_rtp(b, len) || bt->rsrc[i].sin_family != AF_INET ||
          !accept_source(s, from, &bt->rsrc[i]) || !can_send ||
          (!r->identity && !apply_route(r, b, len))) {
        in->drops += 1;
        continue;
      }
      bt->siov[m].iov_base = b;
      bt->siov[m].iov_len = len;
      m++;
    }
    int done = 0;
    while (done < m) {
      int k = sendmmsg(out->fd, bt->smsg + done, (unsigned)(m - done), MSG_DONTWAIT);
      if (k < 0) {
        if (errno == EINTR) continue;
        /* The first remaining datagram failed (EAGAIN: send buffer full, or an ICMP error
         * reported late): UDP semantics, drop it and go on with the rest. */
        in->drops += 1;
        done++;
        continue;
      }
      for (int j = done; j < done + k; j++) {
        out->p_out += 1;
        out->b_out += (double)bt->smsg[j].msg_len;
      }
      done += k;
    }
    /* Fewer than asked for: recvmmsg met an empty queue. */
    if (n < BATCH) return 0;
  }
  return 1;
}


/* Forwards for one epoll token; returns 1 if the socket must be served again. */
static int serve_locked(batch_t* bt, uint64_t d) {
  uint32_t gen = (uint32_t)(d >> 32);
  uint32_t idx = (uint32_t)(d & 0xffffffffu) >> 1;
  int legi = (int)(d & 1);
  if (idx >= E.nslots) return 0;
  session_t* s = E.slots[idx];
  if (s == NULL || s->gen != gen) return 0; /* detached after epoll_wait returned */
  return pump(bt, s, legi);
}

/*
 * Sockets are registered edge-triggered: level-triggered epoll re-polls every socket it
 * reported on the next epoll_wait, a cost per packet here since most wakeups find one datagram
 * per socket. With edge triggering a socket must be drained, so one that still holds data
 * after its MAX_ROUNDS is kept in `again` and served on the next turn (epoll_wait then does
 * not block).
 *
 * The thread wakes per epoll event, without a coalescing delay: measured on the rtp bench,
 * sleeping out 1–2 ms ticks under load to batch more packets per wakeup saved nothing (a
 * wakeup costs ~2 µs next to ~7 µs of loopback send per packet) and would add latency.
 */
static void* worker(void* arg) {
  batch_t* bt = arg;
  struct epoll_event evs[MAX_EVENTS];
  uint64_t again[MAX_EVENTS];
  uint64_t carry[MAX_EVENTS];
  int nagain = 0;
  for (;;) {
    int room = MAX_EVENTS - nagain;
    int n = room == 0 ? 0 : epoll_wait(E.epfd, evs, room, nagain > 0 ? 0 : -1);
    if (n < 0) {
      if (errno == EINTR) continue;
      break;
    }
    pthread_mutex_lock(&E.mu);
    if (E.stopping) {
      pthread_mutex_unlock(&E.mu);
      break;
    }
    /* Sockets carried over first; at most MAX_EVENTS tokens are ever pending (n + nagain). */
    int ncarry = nagain;
    memcpy(carry, again, (size_t)ncarry * sizeof carry[0]);
    nagain = 0;
    for (int i = 0; i < ncarry; i++) {
      if (serve_locked(bt, carry[i])) again[nagain++] = carry[i];
    }
    for (int i = 0; i < n; i++) {
      uint64_t d = evs[i].data.u64;
      if (d == WAKE_TOKEN) {
        uint64_t v;
        ssize_t ignored = read(E.wakefd, &v, sizeof v);
        (void)ignored;
        continue;
      }
      if (serve_locked(bt, d)) again[nagain++] = d;
    }
    pthread_mutex_unlock(&E.mu);
  }
  return NULL;
}

/* ---- engine management (JS thread) ---- */

static int start_worker_locked(void) {
  if (E.running) return 0;
  /* Allocated here, not in the thread, so that running out of memory is reported to JS. */
  E.batch = calloc(1, sizeof *E.batch);
  if (E.batch == NULL) return -1;
  E.batch->buf = malloc((size_t)BATCH * BUF_SIZE);
  if (E.batch->buf == NULL) goto fail;
  batch_init(E.batch);
  E.epfd = epoll_create1(EPOLL_CLOEXEC);
  if (E.epfd < 0) goto fail;
  E.wakefd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (E.wakefd < 0) goto fail;
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = WAKE_TOKEN};
  if (epoll_ctl(E.epfd, EPOLL_CTL_ADD, E.wakefd, &ev) < 0) goto fail;
  /* Signals belong to Node's main thread: the worker blocks all of them. */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = pthread_create(&E.thread, NULL, worker, E.batch);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) {
    errno = rc;
    goto fail;
  }
  pthread_setname_np(E.thread, "linekey-rtp");
  E.running = 1;
  E.stopping = 0;
  return 0;
fail:;
  int err = errno;
  if (E.wakefd >= 0) close(E.wakefd);
  if (E.epfd >= 0) close(E.epfd);
  E.wakefd = E.epfd = -1;
  free(E.batch->buf);
  free(E.batch);
  E.batch = NULL;
  errno = err;
  return -1;
}

static void stop_worker(void) {
  pthread_mutex_lock(&E.mu);
  if (!E.running) {
    pthread_mutex_unlock(&E.mu);
    return;
  }
  E.stopping = 1;
  uint64_t one = 1;
  ssize_t ignored = write(E.wakefd, &one, sizeof one);
  (void)ignored;
  pthread_t t = E.thread;
  pthread_mutex_unlock(&E.mu);
  pthread_join(t, NULL);
  pthread_mutex_lock(&E.mu);
  close(E.wakefd);
  close(E.epfd);
  E.wakefd = E.epfd = -1;
  free(E.batch->buf);
  free(E.batch);
  E.batch = NULL;
  E.running = 0;
  E.stopping = 0;
  pthread_mutex_unlock(&E.mu);
}

static void snapshot_locked(const session_t* s, double* out) {
  for (int i = 0; i < 2; i++) {
    const leg_t* l = &s->leg[i];
    double* o = out + i * 8;
    o[0] = l->p_in;
    o[1] = l->b_in;
    o[2] = l->p_out;
    o[3] = l->b_out;
    o[4] = l->drops;
    o[5] = l->latched;
    o[6] = (double)ntohl(l->dest.sin_addr.s_addr);
    o[7] = (double)ntohs(l->dest.sin_port);
  }
}

static void free_session_locked(uint32_t idx) {
  session_t* s = E.slots[idx];
  for (int i = 0; i < 2; i++) {
    epoll_ctl(E.epfd, EPOLL_CTL_DEL, s->leg[i].fd, NULL);
    close(s->leg[i].fd);
  }
  E.slots[idx] = NULL;
  E.live--;
  free(s);
}

static session_t* session_locked(uint32_t idx) {
  return idx < E.nslots ? E.slots[idx] : NULL;
}

/* ---- N-API glue ---- */

#define CHECK(env, call)                                          \
  do {                                                            \
    if ((call) != napi_ok) {                                      \
      napi_throw_error((env), "ERR_RTP_NATIVE", #call " failed"); \
      return NULL;                                                \
    }                                                             \
  } while (0)

static napi_value throw_errno(napi_env env, const char* what, int err) {
  char msg[160];
  snprintf(msg, sizeof msg, "%s: %s", what, strerror(err));
  napi_throw_error(env, "ERR_RTP_NATIVE", msg);
  return NULL;
}

static int get_u32(napi_env env, napi_value v, uint32_t* out) {
  return napi_get_value_uint32(env, v, out) == napi_ok;
}

/* Fills a caller-provided Float64Array of at least 16 elements. */
static double* float64_out(napi_env env, napi_value v) {
  napi_typedarray_type type;
  size_t length;
  void* data;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, NULL, NULL) != napi_ok) return NULL;
  if (type != napi_float64_array || length < 16) return NULL;
  return data;
}

static int check_udp4(int fd) {
  int type = 0;
  socklen_t tl = sizeof type;
  struct sockaddr_storage ss;
  socklen_t sl = sizeof ss;
  if (getsockopt(fd, SOL_SOCKET, SO_TYPE, &type, &tl) < 0) return -1;
  if (getsockname(fd, (struct sockaddr*)&ss, &sl) < 0) return -1;
  if (type != SOCK_DGRAM || ss.ss_family != AF_INET) {
    errno = EPROTOTYPE;
    return -1;
  }
  return 0;
}

/* attach(fdA, fdB, token) → slot. The caller has stopped libuv reading both sockets. */
static napi_value js_attach(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t fds[2];
  double token;
  if (argc < 3 || !get_u32(env, argv[0], &fds[0]) || !get_u32(env, argv[1], &fds[1]) ||
      napi_get_value_double(env, argv[2], &token) != napi_ok) {
    napi_throw_type_error(env, NULL, "attach(fdA, fdB, token)");
    return NULL;
  }
  env_state* es;
  CHECK(env, napi_get_instance_data(env, (void**)&es));
  int dups[2] = {-1, -1};
  for (int i = 0; i < 2; i++) {
    if (check_udp4((int)fds[i]) < 0) {
      int err = errno;
      if (dups[0] >= 0) close(dups[0]);
      return throw_errno(env, "not a bound IPv4 UDP socket", err);
    }
    dups[i] = fcntl((int)fds[i], F_DUPFD_CLOEXEC, 0);
    if (dups[i] < 0) {
      int err = errno;
      if (dups[0] >= 0) close(dups[0]);
      return throw_errno(env, "dup", err);
    }
  }
  pthread_mutex_lock(&E.mu);
  if (start_worker_locked() < 0) {
    int err = errno;
    pthread_mutex_unlock(&E.mu);
    close(dups[0]);
    close(dups[1]);
    return throw_errno(env, "starting the RTP thread", err);
  }
  uint32_t idx = 0;
  while (idx < E.nslots && E.slots[idx] != NULL) idx++;
  session_t* s = calloc(1, sizeof *s);
  if (idx == E.nslots && s != NULL) {
    uint32_t cap = E.nslots ? E.nslots * 2 : 64;
    session_t** grown = realloc(E.slots, cap * sizeof *grown);
    if (grown == NULL) {
      free(s);
      s = NULL;
    } else {
      memset(grown + E.nslots, 0, (cap - E.nslots) * sizeof *grown);
      E.slots = grown;
      E.nslots = cap;
    }
  }
  if (s == NULL || idx > 0x7fffffffu) {
    pthread_mutex_unlock(&E.mu);
    free(s);
    close(dups[0]);
    close(dups[1]);
    return throw_errno(env, "session", ENOMEM);
  }
  if (++E.next_gen == 0) E.next_gen = 1;
  s->gen = E.next_gen;
  s->token = token;
  s->env = es;
  for (int i = 0; i < 2; i++) {
    s->leg[i].fd = dups[i];
    s->route[i].identity = 1;
  }
  E.slots[idx] = s;
  E.live++;
  for (int i = 0; i < 2; i++) {
    struct epoll_event ev = {.events = EPOLLIN | EPOLLET,
                             .data.u64 = ((uint64_t)s->gen << 32) | ((uint64_t)idx << 1) | (uint64_t)i};
    if (epoll_ctl(E.epfd, EPOLL_CTL_ADD, dups[i], &ev) < 0) {
      int err = errno;
      if (i == 1) epoll_ctl(E.epfd, EPOLL_CTL_DEL, dups[0], NULL);
      E.slots[idx] = NULL;
      E.live--;
      free(s);
      pthread_mutex_unlock(&E.mu);
      close(dups[0]);
      close(dups[1]);
      return throw_errno(env, "epoll_ctl", err);
    }
  }
  pthread_mutex_unlock(&E.mu);
  napi_value result;
  CHECK(env, napi_create_uint32(env, idx, &result));
  return result;
}

/* detach(slot, out?) — stops forwarding, closes our dups; `out` gets the final snapshot. */
static napi_value js_detach(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t idx;
  if (argc < 1 || !get_u32(env, argv[0], &idx)) {
    napi_throw_type_error(env, NULL, "detach(slot, out?)");
    return NULL;
  }
  double* out = argc >= 2 ? float64_out(env, argv[1]) : NULL;
  pthread_mutex_lock(&E.mu);
  session_t* s = session_locked(idx);
  if (s != NULL) {
    if (out != NULL) snapshot_locked(s, out);
    free_session_locked(idx);
  }
  pthread_mutex_unlock(&E.mu);
  napi_value result;
  CHECK(env, napi_get_boolean(env, s != NULL, &result));
  return result;
}

/* setRemote(slot, leg, address|null, port, latchMode, remoteGen) — also restarts latching. */
static napi_value js_set_remote(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t idx, legi, port, latch, gen;
  if (argc < 6 || !get_u32(env, argv[0], &idx) || !get_u32(env, argv[1], &legi) || legi > 1 ||
      !get_u32(env, argv[3], &port) || port > 65535 || !get_u32(env, argv[4], &latch) ||
      latch > LATCH_ANY || !get_u32(env, argv[5], &gen)) {
    napi_throw_type_error(env, NULL, "setRemote(slot, leg, address, port, latch, gen)");
    return NULL;
  }
  struct in_addr addr = {0};
  napi_valuetype t;
  CHECK(env, napi_typeof(env, argv[2], &t));
  if (t == napi_string) {
    char text[64];
    size_t n;
    CHECK(env, napi_get_value_string_utf8(env, argv[2], text, sizeof text, &n));
    if (inet_pton(AF_INET, text, &addr) != 1) {
      napi_throw_type_error(env, NULL, "setRemote: address is not an IPv4 literal");
      return NULL;
    }
  } else {
    port = 0;
  }
  pthread_mutex_lock(&E.mu);
  session_t* s = session_locked(idx);
  if (s != NULL) {
    leg_t* l = &s->leg[legi];
    memset(&l->signalled, 0, sizeof l->signalled);
    l->signalled.sin_family = AF_INET;
    l->signalled.sin_addr = addr;
    l->signalled.sin_port = htons((uint16_t)port);
    l->dest = l->signalled;
    l->latch = (uint8_t)latch;
    l->latched = 0;
    l->remote_gen = gen;
  }
  pthread_mutex_unlock(&E.mu);
  return NULL;
}

/* setHeld(slot, leg, held) — stops/resumes forwarding toward the leg. */
static napi_value js_set_held(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t idx, legi;
  bool held;
  if (argc < 3 || !get_u32(env, argv[0], &idx) || !get_u32(env, argv[1], &legi) || legi > 1 ||
      napi_get_value_bool(env, argv[2], &held) != napi_ok) {
    napi_throw_type_error(env, NULL, "setHeld(slot, leg, held)");
    return NULL;
  }
  pthread_mutex_lock(&E.mu);
  session_t* s = session_locked(idx);
  if (s != NULL) s->leg[legi].held = held;
  pthread_mutex_unlock(&E.mu);
  return NULL;
}

/* setRoute(slot, fromLeg, identity, ptIn, ptOut, table|null, ssrc) — ssrc < 0 keeps it. */
static napi_value js_set_route(napi_env env, napi_callback_info info) {
  size_t argc = 7;
  napi_value argv[7];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t idx, legi, pt_in, pt_out;
  bool identity;
  double ssrc;
  if (argc < 7 || !get_u32(env, argv[0], &idx) || !get_u32(env, argv[1], &legi) || legi > 1 ||
      napi_get_value_bool(env, argv[2], &identity) != napi_ok || !get_u32(env, argv[3], &pt_in) ||
      !get_u32(env, argv[4], &pt_out) || napi_get_value_double(env, argv[6], &ssrc) != napi_ok ||
      ssrc > 4294967295.0) {
    napi_throw_type_error(env, NULL, "setRoute(slot, leg, identity, ptIn, ptOut, table, ssrc)");
    return NULL;
  }
  uint8_t table[256];
  bool has_table = false;
  napi_valuetype t;
  CHECK(env, napi_typeof(env, argv[5], &t));
  if (t == napi_object) {
    napi_typedarray_type type;
    size_t length;
    void* data;
    if (napi_get_typedarray_info(env, argv[5], &type, &length, &data, NULL, NULL) != napi_ok ||
        type != napi_uint8_array || length != 256) {
      napi_throw_type_error(env, NULL, "setRoute: table must be a Uint8Array(256)");
      return NULL;
    }
    memcpy(table, data, 256);
    has_table = true;
  }
  pthread_mutex_lock(&E.mu);
  session_t* s = session_locked(idx);
  if (s != NULL) {
    route_t* r = &s->route[legi];
    r->identity = identity;
    r->pt_in = (int)(pt_in & 0x7f);
    r->pt_out = (int)(pt_out & 0x7f);
    r->ssrc = ssrc < 0 ? -1 : (int64_t)ssrc;
    r->has_table = has_table;
    if (has_table) memcpy(r->table, table, 256);
  }
  pthread_mutex_unlock(&E.mu);
  return NULL;
}

/* stats(slot, out) → false when the slot is not attached. See snapshot_locked for the layout. */
static napi_value js_stats(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  uint32_t idx;
  double* out = argc >= 2 ? float64_out(env, argv[1]) : NULL;
  if (argc < 2 || !get_u32(env, argv[0], &idx) || out == NULL) {
    napi_throw_type_error(env, NULL, "stats(slot, Float64Array(16))");
    return NULL;
  }
  pthread_mutex_lock(&E.mu);
  session_t* s = session_locked(idx);
  if (s != NULL) snapshot_locked(s, out);
  pthread_mutex_unlock(&E.mu);
  napi_value result;
  CHECK(env, napi_get_boolean(env, s != NULL, &result));
  return result;
}

/* sessions() → sessions attached in this process (for tests: detach really happened). */
static napi_value js_sessions(napi_env env, napi_callback_info info) {
  (void)info;
  pthread_mutex_lock(&E.mu);
  uint32_t n = E.live;
  pthread_mutex_unlock(&E.mu);
  napi_value result;
  CHECK(env, napi_create_uint32(env, n, &result));
  return result;
}

/* setLatchHandler(fn) — fn(token, leg, remoteGen, address, port) on the JS thread. */
static napi_value js_set_latch_handler(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  CHECK(env, napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  napi_valuetype t = napi_undefined;
  if (argc >= 1) CHECK(env, napi_typeof(env, argv[0], &t));
  if (t != napi_function) {
    napi_throw_type_error(env, NULL, "setLatchHandler(fn)");
    return NULL;
  }
  env_state* es;
  CHECK(env, napi_get_instance_data(env, (void**)&es));
  if (es->handler != NULL) napi_delete_reference(env, es->handler);
  es->handler = NULL;
  CHECK(env, napi_create_reference(env, argv[0], 1, &es->handler));
  return NULL;
}

static void call_js(napi_env env, napi_value js_cb, void* context, void* data) {
  (void)js_cb;
  latch_note* n = data;
  env_state* es = context;
  if (env != NULL && es != NULL && es->handler != NULL) {
    napi_value fn, undef, argv[5];
    if (napi_get_reference_value(env, es->handler, &fn) == napi_ok && fn != NULL &&
        napi_get_undefined(env, &undef) == napi_ok &&
        napi_create_double(env, n->token, &argv[0]) == napi_ok &&
        napi_create_uint32(env, n->leg, &argv[1]) == napi_ok &&
        napi_create_uint32(env, n->gen, &argv[2]) == napi_ok &&
        napi_create_string_utf8(env, n->address, NAPI_AUTO_LENGTH, &argv[3]) == napi_ok &&
        napi_create_uint32(env, n->port, &argv[4]) == napi_ok) {
      napi_call_function(env, undef, fn, 5, argv, NULL);
    }
  }
  free(n);
}

/*
 * Runs before the tsfn's own teardown (cleanup hooks run in reverse order of registration and
 * this one is registered after the tsfn is created): the worker stops using this environment's
 * sessions and tsfn before either goes away.
 */
static void env_cleanup(void* arg) {
  env_state* es = arg;
  pthread_mutex_lock(&E.mu);
  for (uint32_t i = 0; i < E.nslots; i++) {
    if (E.slots[i] != NULL && E.slots[i]->env == es) free_session_locked(i);
  }
  napi_threadsafe_function tsfn = es->tsfn;
  es->tsfn = NULL;
  uint32_t left = --E.envs;
  pthread_mutex_unlock(&E.mu);
  if (tsfn != NULL) napi_release_threadsafe_function(tsfn, napi_tsfn_abort);
  if (left == 0) {
    stop_worker();
    pthread_mutex_lock(&E.mu);
    free(E.slots);
    E.slots = NULL;
    E.nslots = 0;
    pthread_mutex_unlock(&E.mu);
  }
}

/* The tsfn is gone for good: nothing can reach `es` any more. The handler reference dies
 * with the environment itself. */
static void tsfn_finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  free(data);
}

NAPI_MODULE_INIT() {
  env_state* es = calloc(1, sizeof *es);
  if (es == NULL) {
    napi_throw_error(env, "ERR_RTP_NATIVE", "out of memory");
    return NULL;
  }
  napi_value name;
  if (napi_create_string_utf8(env, "linekey-rtp-latch", NAPI_AUTO_LENGTH, &name) != napi_ok ||
      napi_create_threadsafe_function(env, NULL, NULL, name, 0, 1, es, tsfn_finalize, es, call_js,
                                      &es->tsfn) != napi_ok) {
    free(es);
    napi_throw_error(env, "ERR_RTP_NATIVE", "napi_create_threadsafe_function failed");
    return NULL;
  }
  /* From here on `es` belongs to the tsfn (freed by tsfn_finalize). */
  CHECK(env, napi_set_instance_data(env, es, NULL, NULL));
  /* Latch notifications must not keep a process alive that has nothing else to do. */
  CHECK(env, napi_unref_threadsafe_function(env, es->tsfn));
  pthread_mutex_lock(&E.mu);
  E.envs++;
  pthread_mutex_unlock(&E.mu);
  CHECK(env, napi_add_env_cleanup_hook(env, env_cleanup, es));

  napi_property_descriptor props[] = {
      {"attach", NULL, js_attach, NULL, NULL, NULL, napi_default, NULL},
      {"detach", NULL, js_detach, NULL, NULL, NULL, napi_default, NULL},
      {"setRemote", NULL, js_set_remote, NULL, NULL, NULL, napi_default, NULL},
      {"setHeld", NULL, js_set_held, NULL, NULL, NULL, napi_default, NULL},
      {"setRoute", NULL, js_set_route, NULL, NULL, NULL, napi_default, NULL},
      {"stats", NULL, js_stats, NULL, NULL, NULL, napi_default, NULL},
      {"sessions", NULL, js_sessions, NULL, NULL, NULL, napi_default, NULL},
      {"setLatchHandler", NULL, js_set_latch_handler, NULL, NULL, NULL, napi_default, NULL},
  };
  CHECK(env, napi_define_properties(env, exports, sizeof props / sizeof props[0], props));
  return exports;
}
