build2/tests/test_lifecycle.o: tests/test_lifecycle.c \
 userspace/lib/cgroup.h tests/test.h
userspace/lib/cgroup.h:
tests/test.h:
