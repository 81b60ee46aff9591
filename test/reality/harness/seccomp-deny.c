/*
 * A program that forbids itself one system call with a seccomp filter (SECCOMP_RET_KILL_PROCESS, the action a
 * unit's SystemCallFilter= or a container profile takes by default), waits for a line on stdin (so a watcher
 * can arm first), then makes that call: the kernel (kernel/seccomp.c __seccomp_filter -> force_sig_seccomp)
 * sends it SIGSYS with si_code SYS_SECCOMP. For test/reality/mechanisms-seccomp.test.ts.
 */
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
  struct sock_filter filter[] = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, __NR_getppid, 0, 1),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
  };
  struct sock_fprog prog = {.len = sizeof(filter) / sizeof(filter[0]), .filter = filter};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return 2;
  if (prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &prog) != 0) return 3;
  char line[8];
  if (!fgets(line, sizeof line, stdin)) return 4;
  syscall(__NR_getppid);
  return 0;
}
