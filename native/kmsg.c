/*
 * whydied's one native helper: the whole kernel ring buffer from /dev/kmsg in one call.
 *
 * /dev/kmsg hands out one record per read(). From JavaScript each read is a trip through fs.readSync
 * (~3 us cold); a busy ring buffer holds thousands of records, so reading it cost a diagnosis 5-8 ms
 * where this loop costs ~2 ms. The records come back exactly as read() gave them (the same text the
 * JavaScript reader builds), each ending in a newline, so one parser serves both.
 *
 * readKmsg(maxBytes) -> Buffer, or throws an Error whose `code` is the errno name (EPERM, EACCES, ...).
 */
#include <errno.h>
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

static napi_value read_kmsg(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  double limit = 64.0 * 1024 * 1024;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL;
  if (argc >= 1) napi_get_value_double(env, argv[0], &limit);
  size_t max = limit > 0 ? (size_t)limit : 0;

  int fd = open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd < 0) return throw_errno(env, errno, "/dev/kmsg: open failed");
  size_t cap = 256 * 1024, len = 0;
  char *buf = malloc(cap);
  if (buf == NULL) {
    close(fd);
    return throw_errno(env, ENOMEM, "/dev/kmsg: out of memory");
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
      int err = errno;
      free(buf);
      close(fd);
      return throw_errno(env, err, "/dev/kmsg: read failed");
    }
    if (n == 0) break;
    len += (size_t)n;
    if (buf[len - 1] != '\n') buf[len++] = '\n';
  }
  close(fd);
  napi_value out;
  if (len == 0) {
    free(buf);
    void *unused;
    if (napi_create_buffer(env, 0, &unused, &out) != napi_ok) return NULL;
    return out;
  }
  if (napi_create_external_buffer(env, len, buf, free_buffer, NULL, &out) != napi_ok) {
    free(buf);
    return NULL;
  }
  return out;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_value fn;
  if (napi_create_function(env, "readKmsg", NAPI_AUTO_LENGTH, read_kmsg, NULL, &fn) != napi_ok) return NULL;
  if (napi_set_named_property(env, exports, "readKmsg", fn) != napi_ok) return NULL;
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
