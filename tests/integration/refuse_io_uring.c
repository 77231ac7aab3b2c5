/* Runs a program under a seccomp filter that refuses the io_uring system calls with
 * EPERM, as Docker's default profile does, so tests can prove that weft falls back
 * to epoll there.  Usage: refuse_io_uring PROGRAM [ARGS...] */
#include <errno.h>
#include <seccomp.h>
#include <stdio.h>
#include <unistd.h>

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s PROGRAM [ARGS...]\n", argv[0]);
    return 2;
  }
  scmp_filter_ctx filter = seccomp_init(SCMP_ACT_ALLOW);
  if (filter == NULL) {
    fprintf(stderr, "refuse_io_uring: seccomp_init failed\n");
    return 1;
  }
  const int calls[] = {SCMP_SYS(io_uring_setup), SCMP_SYS(io_uring_enter), SCMP_SYS(io_uring_register)};
  for (size_t i = 0; i < sizeof calls / sizeof calls[0]; ++i) {
    if (seccomp_rule_add(filter, SCMP_ACT_ERRNO(EPERM), calls[i], 0) != 0) {
      fprintf(stderr, "refuse_io_uring: seccomp_rule_add failed\n");
      return 1;
    }
  }
  if (seccomp_load(filter) != 0) {
    fprintf(stderr, "refuse_io_uring: seccomp_load failed\n");
    return 1;
  }
  seccomp_release(filter);
  execvp(argv[1], argv + 1);
  perror("refuse_io_uring: execvp");
  return 127;
}
