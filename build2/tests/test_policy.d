build2/tests/test_policy.o: tests/test_policy.c userspace/lib/cgroup.h \
 userspace/lib/monitor.h userspace/lib/event.h bpf/cellwatch.h \
 userspace/lib/rules.h tests/test.h
userspace/lib/cgroup.h:
userspace/lib/monitor.h:
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/lib/rules.h:
tests/test.h:
