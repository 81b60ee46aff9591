/*
 * The native helper's kernel-log half (procfs.c is the other): the whole ring buffer from /dev/kmsg in one
 * call.
 *
 * /dev/kmsg hands out one record per read(). From JavaScript each read is a trip through fs.readSync
 * (~3 us cold); a busy ring buffer holds thousands of records, so reading it cost a diagnosis 5-8 ms
 * where this loop costs ~2 ms. The records come back exactly as read() gave them (the same text the
 * JavaScript reader builds), each ending in a newline, so one parser serves both.
 *
 * readKmsg(maxBytes) -> Buffer, or throws an Error whose `code` is the errno name (EPERM, EACCES, ...).
 * startKmsg(maxBytes) -> boolean: begins that read on a thread of its own; takeKmsg(maxBytes) returns it
 * (readKmsg never does: a read started by another diagnosis is older than the one asked for).
 */
#include <errno.h>
#include <pthread.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <node_api.h>

#define RECORD_MAX (16 * 1024)

static napi_value throw_errno(napi_env env, int err, const char *what) {
  const char *code = err == EPERM ? "EPERM" : err == EACCES ? "EACCES" : err == ENOENT ? "ENOENT" : "EOTHER";
  napi_throw_error(env, code, what);
  return NULL;
}

static void free_buffer(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  free(data);
}

/* The records read so far: what one read of the whole ring buffer produced. */
struct kmsg_read {
  char *buf;
  size_t len;
  int err; /* errno of a failed open or read, else 0 */
  const char *what;
};

static void read_all(size_t max, struct kmsg_read *out) {
  out->buf = NULL;
  out->len = 0;
  out->err = 0;
  out->what = NULL;
  int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) {
    out->err = errno;
    out->what = "/dev/kmsg: open failed";
    return;
  }
  size_t cap = 256 * 1024, len = 0;
  char *buf = malloc(cap);
  if (buf == NULL) {
    close(fd);
    out->err = ENOMEM;
    out->what = "/dev/kmsg: out of memory";
    return;
  }
  while (len < max) {
    if (cap - len < RECORD_MAX + 1) {
      char *bigger = realloc(buf, cap * 2);
      if (bigger == NULL) break;
      buf = bigger;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + len, RECORD_MAX);
    if (n < 0) {
      /* EPIPE: the records we were about to read were overwritten; the next read resumes at the oldest. */
      if (errno == EINTR || errno == EPIPE) continue;
      if (errno == EAGAIN) break; /* the end of the buffer */
      out->err = errno;
      out->what = "/dev/kmsg: read failed";
      free(buf);
      close(fd);
      return;
    }
    if (n == 0) break;
    len += (size_t)n;
    if (buf[len - 1] != '\n') buf[len++] = '\n';
  }
  close(fd);
  out->buf = buf;
  out->len = len;
}

/*
 * One read may run ahead on a thread of its own (startKmsg), on the second core while the diagnosis
 * reads /proc on the first: by the time the kernel-log check asks, the ~2 ms of kernel work is done.
 * Only that thread touches `ahead` until it is joined.
 */
static pthread_t ahead_thread;
static int ahead_running = 0;
static size_t ahead_max = 0;
static struct kmsg_read ahead;

static int ahead_done = 0;

static void *ahead_main(void *arg) {
  (void)arg;
  read_all(ahead_max, &ahead);
  __atomic_store_n(&ahead_done, 1, __ATOMIC_RELEASE);
  return NULL;
}

/* Whether a read started ahead has finished (tests wait on it before changing the log). */
static napi_value kmsg_ahead_done(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value result;
  napi_get_boolean(env, !ahead_running || __atomic_load_n(&ahead_done, __ATOMIC_ACQUIRE), &result);
  return result;
}

static size_t max_arg(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double limit = 64.0 * 1024 * 1024;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) == napi_ok && argc >= 1)
    napi_get_value_double(env, argv[0], &limit);
  return limit > 0 ? (size_t)limit : 0;
}

static void join_ahead(struct kmsg_read *out) {
  pthread_join(ahead_thread, NULL);
  ahead_running = 0;
  *out = ahead;
}

/* A read running ahead that nobody will take: wait for it and free what it read. */
static void drop_ahead(void) {
  if (!ahead_running) return;
  struct kmsg_read stale;
  join_ahead(&stale);
  free(stale.buf);
}

static napi_value start_kmsg(napi_env env, napi_callback_info info) {
  size_t max = max_arg(env, info);
  napi_value result;
  drop_ahead(); /* a read nobody collected */
  ahead_max = max;
  __atomic_store_n(&ahead_done, 0, __ATOMIC_RELEASE);
  ahead_running = pthread_create(&ahead_thread, NULL, ahead_main, NULL) == 0;
  napi_get_boolean(env, ahead_running, &result);
  return result;
}

static napi_value buffer_of(napi_env env, struct kmsg_read *r) {
  if (r->err != 0) return throw_errno(env, r->err, r->what);
  napi_value out;
  if (r->len == 0) {
    free(r->buf);
    void *unused;
    if (napi_create_buffer(env, 0, &unused, &out) != napi_ok) return NULL;
    return out;
  }
  if (napi_create_external_buffer(env, r->len, r->buf, free_buffer, NULL, &out) != napi_ok) {
    free(r->buf);
    return NULL;
  }
  return out;
}

/* A read now. A read still running ahead belongs to someone else (another diagnosis): dropped. */
static napi_value read_kmsg(napi_env env, napi_callback_info info) {
  size_t max = max_arg(env, info);
  struct kmsg_read r;
  drop_ahead();
  read_all(max, &r);
  return buffer_of(env, &r);
}

/* The read started ahead by startKmsg (its caller's own), or a read now when there is none. */
static napi_value take_kmsg(napi_env env, napi_callback_info info) {
  size_t max = max_arg(env, info);
  struct kmsg_read r;
  if (ahead_running) join_ahead(&r);
  else read_all(max, &r);
  return buffer_of(env, &r);
}

napi_value whydied_procfs_init(napi_env env, napi_value exports);

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor fns[] = {
      {"readKmsg", NULL, read_kmsg, NULL, NULL, NULL, napi_enumerable, NULL},
      {"startKmsg", NULL, start_kmsg, NULL, NULL, NULL, napi_enumerable, NULL},
      {"takeKmsg", NULL, take_kmsg, NULL, NULL, NULL, napi_enumerable, NULL},
      {"kmsgAheadDone", NULL, kmsg_ahead_done, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  if (napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns) != napi_ok) return NULL;
  return whydied_procfs_init(env, exports);
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
