build2/tests/runner.o: tests/runner.c userspace/lib/cgroup.h tests/test.h
userspace/lib/cgroup.h:
tests/test.h:
