build2/tests/test_cell.o: tests/test_cell.c userspace/lib/cgroup.h \
 tests/test.h
userspace/lib/cgroup.h:
tests/test.h:
