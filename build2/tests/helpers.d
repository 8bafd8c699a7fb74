build2/tests/helpers.o: tests/helpers.c userspace/lib/cgroup.h \
 userspace/daemon/keeper.h tests/ready.h tests/test.h
userspace/lib/cgroup.h:
userspace/daemon/keeper.h:
tests/ready.h:
tests/test.h:
