/*
 * Bulk reads of /proc for a diagnosis that looks at every process (its process group, the OOM ranking,
 * names, the holders of a socket). At 10,000 processes that is 20,000-50,000 open/read/close calls;
 * from JavaScript each costs its syscalls plus ~2 us of fs binding, and all run one after another on one
 * core. Here the same calls are split across the cores (the main thread and one thread per other core),
 * and the results come back as the same texts and links the JavaScript reader would have produced.
 *
 * readFiles(paths: string[]) -> Array<string | number>: each file's text, or -errno.
 * socketAndPipeFds(pids: Int32Array) -> { pids: Float64Array (each pid, or -errno where /proc/PID/fd was
 *   unreadable), holders: Float64Array (pid, fd, kind 0 socket | 1 pipe, inode: four numbers per open socket
 *   or pipe, each process's in fd order) }.
 * statFields() -> Float64Array: every process listed in /proc whose stat could be read and parsed, in pid
 *   order, as five numbers each (pid, ppid, pgrp, session, flags): what the process group and the OOM
 *   candidates need of every process, without a string or an object per process on the JavaScript side.
 * oomScores(pids: Int32Array) -> Float64Array: each process's /proc/PID/oom_score, or NaN where it could not
 *   be read or is not an integer.
 * namedFields(name: string) -> Float64Array: statFields' five numbers and a sixth, 1 where the process answers
 *   to `name` as src/source/resolve-query.ts matches it (comm, else argv[0] or its basename), else 0.
 */
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <node_api.h>

#define MAX_THREADS 4
#define FIRST_READ (64 * 1024)

static int thread_count(size_t items) {
  long cpus = sysconf(_SC_NPROCESSORS_ONLN);
  int n = cpus < 1 ? 1 : cpus > MAX_THREADS ? MAX_THREADS : (int)cpus;
  /* Below a few hundred items a thread costs more than it saves. */
  if (items < 256) return 1;
  return n;
}

/* One thread's share of a list: items k, k + n, k + 2n, ... */
struct job {
  void *items;
  size_t count;
  int k, n;
};

/* `work` over `items` split among `n` threads, share 0 on the calling thread. */
static void split(void *items, size_t count, int n, void *(*work)(void *)) {
  struct job jobs[MAX_THREADS];
  pthread_t threads[MAX_THREADS];
  int started[MAX_THREADS] = {0};
  for (int k = 0; k < n; k++) jobs[k] = (struct job){items, count, k, n};
  for (int k = 1; k < n; k++) started[k] = pthread_create(&threads[k], NULL, work, &jobs[k]) == 0;
  /* A thread that could not start: its share runs here. */
  for (int k = 1; k < n; k++)
    if (!started[k]) work(&jobs[k]);
  work(&jobs[0]);
  for (int k = 1; k < n; k++)
    if (started[k]) pthread_join(threads[k], NULL);
}

/* ---- readFiles ---- */

struct file_result {
  char *path;
  char *data;
  size_t len;
  int err;
};

/*
 * The whole file, read until read() says 0 (seq files such as /proc/net/tcp hand out a page per read),
 * into the thread's scratch buffer first: no fresh pages, so no page faults, per file.
 */
static void read_one(struct file_result *r, char *scratch) {
  int fd = open(r->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    r->err = errno;
    return;
  }
  char *buf = scratch;
  size_t len = 0, cap = FIRST_READ;
  for (;;) {
    if (len == cap) {
      size_t bigger_cap = cap * 2;
      char *bigger = buf == scratch ? malloc(bigger_cap) : realloc(buf, bigger_cap);
      if (bigger == NULL) {
        r->err = ENOMEM;
        break;
      }
      if (buf == scratch) memcpy(bigger, scratch, len);
      buf = bigger;
      cap = bigger_cap;
    }
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      r->err = errno;
      break;
    }
    if (n == 0) break;
    len += (size_t)n;
  }
  close(fd);
  if (r->err == 0) {
    r->data = buf == scratch ? malloc(len ? len : 1) : buf;
    if (r->data == NULL) r->err = ENOMEM;
    else if (buf == scratch) memcpy(r->data, scratch, len);
    r->len = len;
  } else if (buf != scratch) {
    free(buf);
  }
}

static void *files_work(void *arg) {
  struct job *job = arg;
  struct file_result *items = job->items;
  char *scratch = malloc(FIRST_READ);
  if (scratch == NULL) {
    for (size_t i = (size_t)job->k; i < job->count; i += (size_t)job->n) items[i].err = ENOMEM;
    return NULL;
  }
  for (size_t i = (size_t)job->k; i < job->count; i += (size_t)job->n)
    if (items[i].err == 0) read_one(&items[i], scratch);
  free(scratch);
  return NULL;
}

static char *string_arg(napi_env env, napi_value v) {
  size_t len = 0;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) return NULL;
  char *s = malloc(len + 1);
  if (s == NULL) return NULL;
  if (napi_get_value_string_utf8(env, v, s, len + 1, &len) != napi_ok) {
    free(s);
    return NULL;
  }
  return s;
}

static napi_value read_files(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1) return NULL;
  uint32_t count = 0;
  if (napi_get_array_length(env, argv[0], &count) != napi_ok) {
    napi_throw_type_error(env, NULL, "readFiles takes an array of paths");
    return NULL;
  }
  struct file_result *items = calloc(count ? count : 1, sizeof *items);
  if (items == NULL) return NULL;
  for (uint32_t i = 0; i < count; i++) {
    napi_value v;
    if (napi_get_element(env, argv[0], i, &v) != napi_ok || (items[i].path = string_arg(env, v)) == NULL)
      items[i].err = EINVAL;
  }
  split(items, count, thread_count(count), files_work);

  napi_value out;
  napi_create_array_with_length(env, count, &out);
  for (uint32_t i = 0; i < count; i++) {
    napi_value v;
    if (items[i].err != 0 || items[i].path == NULL) napi_create_int32(env, -(items[i].err ? items[i].err : EINVAL), &v);
    else napi_create_string_utf8(env, items[i].data ? items[i].data : "", items[i].len, &v);
    napi_set_element(env, out, i, v);
    free(items[i].data);
    free(items[i].path);
  }
  free(items);
  return out;
}

/* ---- socketAndPipeFds ---- */

struct holder {
  int32_t pid, fd, kind;
  double inode;
};

struct fds_result {
  int32_t pid;
  int err;
  struct holder *holders;
  size_t count, cap;
};

static int add_holder(struct fds_result *r, int32_t fd, int32_t kind, double inode) {
  if (r->count == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 8;
    struct holder *more = realloc(r->holders, cap * sizeof *more);
    if (more == NULL) return -1;
    r->holders = more;
    r->cap = cap;
  }
  r->holders[r->count++] = (struct holder){r->pid, fd, kind, inode};
  return 0;
}

/* "socket:[123]" -> 123 (kind 0), "pipe:[456]" -> 456 (kind 1); anything else is not indexed. */
static int classify(const char *link, int32_t *kind, double *inode) {
  const char *rest;
  if (strncmp(link, "socket:[", 8) == 0) {
    *kind = 0;
    rest = link + 8;
  } else if (strncmp(link, "pipe:[", 6) == 0) {
    *kind = 1;
    rest = link + 6;
  } else {
    return 0;
  }
  char *end;
  unsigned long long v = strtoull(rest, &end, 10);
  if (end == rest || *end != ']' || end[1] != '\0') return 0;
  *inode = (double)v;
  return 1;
}

/* As facts.ts reads `${pid}:all`: an fd that vanished while listed (ENOENT) is skipped; any other failure
 * makes the whole process unreadable. */
static void scan_one(struct fds_result *r) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/fd", (int)r->pid);
  int dfd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd < 0) {
    r->err = errno;
    return;
  }
  DIR *d = fdopendir(dfd);
  if (d == NULL) {
    r->err = errno;
    close(dfd);
    return;
  }
  struct dirent *e;
  char link[256];
  errno = 0;
  while ((e = readdir(d)) != NULL) {
    const char *name = e->d_name;
    if (!isdigit((unsigned char)name[0])) continue;
    char *end;
    long fd = strtol(name, &end, 10);
    if (*end != '\0') continue;
    ssize_t n = readlinkat(dfd, name, link, sizeof link - 1);
    if (n < 0) {
      if (errno == ENOENT) continue;
      r->err = errno;
      r->count = 0;
      break;
    }
    link[n] = '\0';
    int32_t kind;
    double inode;
    if (classify(link, &kind, &inode) && add_holder(r, (int32_t)fd, kind, inode) != 0) {
      r->err = ENOMEM;
      r->count = 0;
      break;
    }
    errno = 0;
  }
  closedir(d);
}

static void *fds_work(void *arg) {
  struct job *job = arg;
  struct fds_result *items = job->items;
  for (size_t i = (size_t)job->k; i < job->count; i += (size_t)job->n) scan_one(&items[i]);
  return NULL;
}

/* The one argument of socketAndPipeFds and oomScores: an Int32Array of pids, seen in place (JavaScript-owned:
 * valid for this call only, never handed to a thread). 0, or -1 after throwing `usage` as a TypeError. */
static int pids_view(napi_env env, napi_callback_info info, const char *usage, const int32_t **pids, size_t *length) {
  size_t argc = 1;
  napi_value argv[1];
  bool typed = false;
  napi_typedarray_type type;
  void *data = NULL;
  *length = 0;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      napi_is_typedarray(env, argv[0], &typed) != napi_ok || !typed ||
      napi_get_typedarray_info(env, argv[0], &type, length, &data, NULL, NULL) != napi_ok ||
      type != napi_int32_array) {
    *length = 0;
    napi_throw_type_error(env, NULL, usage);
    return -1;
  }
  *pids = data;
  return 0;
}

static struct fds_result *pids_arg(napi_env env, napi_callback_info info, uint32_t *count) {
  const int32_t *pids;
  size_t length;
  *count = 0;
  if (pids_view(env, info, "socketAndPipeFds takes an Int32Array of pids", &pids, &length) != 0) return NULL;
  *count = (uint32_t)length;
  struct fds_result *items = calloc(length ? length : 1, sizeof *items);
  if (items == NULL) return NULL;
  for (size_t i = 0; i < length; i++) {
    items[i].pid = pids[i];
    if (items[i].pid <= 0) items[i].err = EINVAL;
  }
  return items;
}

static int by_fd(const void *a, const void *b) {
  const struct holder *x = a, *y = b;
  return (x->fd > y->fd) - (x->fd < y->fd);
}

/* A Float64Array of `n` numbers whose storage `*data` points at. */
static napi_value float64s(napi_env env, size_t n, double **data) {
  napi_value buffer, array;
  void *raw = NULL;
  if (napi_create_arraybuffer(env, n * sizeof(double), &raw, &buffer) != napi_ok) return NULL;
  if (napi_create_typedarray(env, napi_float64_array, n, buffer, 0, &array) != napi_ok) return NULL;
  *data = raw;
  return array;
}

/* The JS answer, as two Float64Arrays (one object per number would cost more than the scan); frees the items. */
static napi_value fds_answer(napi_env env, struct fds_result *items, uint32_t count) {
  size_t total = 0;
  for (uint32_t i = 0; i < count; i++) total += items[i].count;
  double *pid_data = NULL, *holder_data = NULL;
  napi_value out, pids = float64s(env, count, &pid_data), holders = float64s(env, total * 4, &holder_data);
  if (pids == NULL || holders == NULL || napi_create_object(env, &out) != napi_ok) {
    for (uint32_t i = 0; i < count; i++) free(items[i].holders);
    free(items);
    return NULL;
  }
  size_t at = 0;
  for (uint32_t i = 0; i < count; i++) {
    pid_data[i] = items[i].err ? -items[i].err : items[i].pid;
    /* In fd order, as the JavaScript reader lists them. */
    qsort(items[i].holders, items[i].count, sizeof *items[i].holders, by_fd);
    for (size_t j = 0; j < items[i].count; j++) {
      struct holder *h = &items[i].holders[j];
      holder_data[at++] = h->pid;
      holder_data[at++] = h->fd;
      holder_data[at++] = h->kind;
      holder_data[at++] = h->inode;
    }
    free(items[i].holders);
  }
  free(items);
  napi_set_named_property(env, out, "pids", pids);
  napi_set_named_property(env, out, "holders", holders);
  return out;
}

static napi_value socket_and_pipe_fds(napi_env env, napi_callback_info info) {
  uint32_t count;
  struct fds_result *items = pids_arg(env, info, &count);
  if (items == NULL) return NULL;
  split(items, count, thread_count(count), fds_work);
  return fds_answer(env, items, count);
}

/* ---- statFields, oomScores ---- */

/* One small /proc/PID/<file> into buf (NUL-terminated): its length, or -errno. Both files are generated whole
 * on the first read (single_open), so one read() holds all of them. */
static ssize_t read_small(int32_t pid, const char *file, char *buf, size_t cap) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/%s", (int)pid, file);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -errno;
  ssize_t n;
  do n = read(fd, buf, cap - 1);
  while (n < 0 && errno == EINTR);
  int err = errno;
  close(fd);
  if (n < 0) return -err;
  buf[n] = '\0';
  return n;
}

/* An optionally signed decimal integer of 1-18 digits at *p, then one space or the end; advances *p. */
static int int_field(const char **p, double *out) {
  const char *s = *p;
  int neg = *s == '-';
  if (neg) s++;
  long long v = 0;
  int digits = 0;
  while (*s >= '0' && *s <= '9' && digits < 19) v = v * 10 + (*s++ - '0'), digits++;
  if (digits == 0 || digits > 18 || (*s != ' ' && *s != '\n' && *s != '\0')) return 0;
  *out = (double)(neg ? -v : v);
  *p = *s == ' ' ? s + 1 : s;
  return 1;
}

/*
 * ppid, pgrp, session and flags (fields 4, 5, 6 and 9) of one stat text, in the kernel's own layout, as
 * src/source/parse-stat.ts reads it: comm runs to the LAST ')' (it may hold ')' and spaces), then ` S `
 * and single-space separated integers. 0 when the text does not fit (the process is then left out, as
 * the process table leaves out a stat it cannot parse).
 */
static int parse_stat_fields(const char *text, size_t len, double out[4]) {
  const char *close = NULL;
  for (size_t i = len; i > 0; i--)
    if (text[i - 1] == ')') {
      close = text + i - 1;
      break;
    }
  const char *open = strstr(text, " (");
  if (close == NULL || open == NULL || open == text || close < open + 2) return 0;
  for (const char *c = text; c < open; c++)
    if (*c < '0' || *c > '9') return 0;
  if (close[1] != ' ' || !isalpha((unsigned char)close[2]) || close[3] != ' ') return 0;
  const char *p = close + 4;
  double f[6]; /* fields 4..9: ppid pgrp session tty_nr tpgid flags */
  for (int i = 0; i < 6; i++)
    if (!int_field(&p, &f[i])) return 0;
  out[0] = f[0], out[1] = f[1], out[2] = f[2], out[3] = f[5];
  return 1;
}

struct name_query;
struct stat_row {
  int32_t pid;
  int ok;
  double fields[4];
  int named;
  const struct name_query *q; /* the same for every row of a call */
};

/* The name asked (namedFields), read by the threads of one call; NULL for statFields. */
struct name_query {
  const char *name;
  size_t len;
};

/* Whether argv[0] of `pid` (its cmdline up to the first NUL; all of it when there is none) is `q`, or its part
 * after the last '/' is. An empty or unreadable cmdline answers no. Read until the first NUL: argv[0] may be
 * longer than one read. */
static int argv0_is(int32_t pid, const struct name_query *q) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/cmdline", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  int found = 0;
  while (buf != NULL) {
    if (len == cap) {
      char *more = cap < (16u << 20) ? realloc(buf, cap * 2) : NULL;
      if (more == NULL) break;
      buf = more;
      cap *= 2;
    }
    ssize_t n = read(fd, buf + len, cap - len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      found = n == 0;
      break;
    }
    len += (size_t)n;
    if (memchr(buf + len - (size_t)n, '\0', (size_t)n) != NULL) {
      found = 1;
      break;
    }
  }
  close(fd);
  int match = 0;
  if (found && len > 0) {
    const char *nul = memchr(buf, '\0', len);
    size_t a = nul ? (size_t)(nul - buf) : len;
    const char *slash = NULL;
    for (size_t i = a; i > 0; i--)
      if (buf[i - 1] == '/') {
        slash = buf + i - 1;
        break;
      }
    const char *base = slash ? slash + 1 : buf;
    size_t blen = a - (size_t)(base - buf);
    match = (a == q->len && memcmp(buf, q->name, a) == 0) || (blen == q->len && memcmp(base, q->name, blen) == 0);
  }
  free(buf);
  return match;
}

static void *stat_work(void *arg) {
  struct job *job = arg;
  struct stat_row *rows = job->items;
  char buf[4096];
  for (size_t i = (size_t)job->k; i < job->count; i += (size_t)job->n) {
    ssize_t n = read_small(rows[i].pid, "stat", buf, sizeof buf);
    rows[i].ok = n > 0 && parse_stat_fields(buf, (size_t)n, rows[i].fields);
    const struct name_query *q = rows[i].q;
    if (!rows[i].ok || q == NULL) continue;
    /* comm: from after the first " (" to the last ')', as parse_stat_fields found them. */
    const char *open = strstr(buf, " (");
    const char *close = strrchr(buf, ')');
    size_t clen = (size_t)(close - open - 2);
    rows[i].named = (clen == q->len && memcmp(open + 2, q->name, clen) == 0) || argv0_is(rows[i].pid, q);
  }
  return NULL;
}

static int by_pid(const void *a, const void *b) {
  const struct stat_row *x = a, *y = b;
  return (x->pid > y->pid) - (x->pid < y->pid);
}

/* statFields (q NULL: five numbers per process) or namedFields (six). */
static napi_value scan_stats(napi_env env, const struct name_query *q) {
  DIR *d = opendir("/proc");
  if (d == NULL) {
    napi_throw_error(env, NULL, "cannot list /proc");
    return NULL;
  }
  size_t count = 0, cap = 1024;
  struct stat_row *rows = malloc(cap * sizeof *rows);
  struct dirent *e;
  while (rows != NULL && (e = readdir(d)) != NULL) {
    char *end;
    if (!isdigit((unsigned char)e->d_name[0])) continue;
    long pid = strtol(e->d_name, &end, 10);
    if (*end != '\0' || pid <= 0 || pid > INT32_MAX) continue;
    if (count == cap) {
      struct stat_row *more = realloc(rows, cap * 2 * sizeof *rows);
      if (more == NULL) {
        free(rows);
        rows = NULL;
        break;
      }
      rows = more;
      cap *= 2;
    }
    rows[count++] = (struct stat_row){(int32_t)pid, 0, {0}, 0, q};
  }
  closedir(d);
  if (rows == NULL) {
    napi_throw_error(env, NULL, "out of memory");
    return NULL;
  }
  split(rows, count, thread_count(count), stat_work);
  qsort(rows, count, sizeof *rows, by_pid);
  size_t good = 0, width = q ? 6 : 5;
  for (size_t i = 0; i < count; i++) good += rows[i].ok;
  double *data = NULL;
  napi_value out = float64s(env, good * width, &data);
  if (out != NULL) {
    size_t at = 0;
    for (size_t i = 0; i < count; i++) {
      if (!rows[i].ok) continue;
      data[at++] = rows[i].pid;
      for (int j = 0; j < 4; j++) data[at++] = rows[i].fields[j];
      if (q) data[at++] = rows[i].named;
    }
  }
  free(rows);
  return out;
}

static napi_value stat_fields(napi_env env, napi_callback_info info) {
  (void)info;
  return scan_stats(env, NULL);
}

static napi_value named_fields(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  char *name = NULL;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 1 ||
      (name = string_arg(env, argv[0])) == NULL) {
    napi_throw_type_error(env, NULL, "namedFields takes a name");
    return NULL;
  }
  struct name_query q = {name, strlen(name)};
  napi_value out = scan_stats(env, &q);
  free(name);
  return out;
}

struct score_job {
  const int32_t *pids;
  double *scores;
};

static void *score_work(void *arg) {
  struct job *job = arg;
  struct score_job *sj = job->items;
  char buf[64];
  for (size_t i = (size_t)job->k; i < job->count; i += (size_t)job->n) {
    sj->scores[i] = NAN;
    if (sj->pids[i] <= 0) continue;
    ssize_t n = read_small(sj->pids[i], "oom_score", buf, sizeof buf);
    if (n <= 0) continue;
    /* As facts.ts reads it: the trimmed text is an optionally signed integer. */
    const char *p = buf;
    while (*p == ' ' || *p == '\t') p++;
    double v;
    if (int_field(&p, &v)) {
      while (*p == ' ' || *p == '\t' || *p == '\n') p++;
      if (*p == '\0') sj->scores[i] = v;
    }
  }
  return NULL;
}

static napi_value oom_scores(napi_env env, napi_callback_info info) {
  const int32_t *data;
  size_t length;
  if (pids_view(env, info, "oomScores takes an Int32Array of pids", &data, &length) != 0) return NULL;
  /* A copy: the threads never touch JavaScript-owned memory. */
  int32_t *pids = malloc((length ? length : 1) * sizeof *pids);
  if (pids == NULL) return NULL;
  memcpy(pids, data, length * sizeof *pids);
  double *scores = NULL;
  napi_value out = float64s(env, length, &scores);
  if (out != NULL) {
    /* Every thread gets the same items pointer (the one job description) and its share of the indices. */
    struct score_job sj = {pids, scores};
    split(&sj, length, thread_count(length), score_work);
  }
  free(pids);
  return out;
}

napi_value whydied_procfs_init(napi_env env, napi_value exports) {
  napi_property_descriptor fns[] = {
      {"readFiles", NULL, read_files, NULL, NULL, NULL, napi_enumerable, NULL},
      {"socketAndPipeFds", NULL, socket_and_pipe_fds, NULL, NULL, NULL, napi_enumerable, NULL},
      {"statFields", NULL, stat_fields, NULL, NULL, NULL, napi_enumerable, NULL},
      {"oomScores", NULL, oom_scores, NULL, NULL, NULL, napi_enumerable, NULL},
      {"namedFields", NULL, named_fields, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  return napi_define_properties(env, exports, sizeof fns / sizeof fns[0], fns) == napi_ok ? exports : NULL;
}
