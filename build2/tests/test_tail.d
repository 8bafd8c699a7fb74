build2/tests/test_tail.o: tests/test_tail.c userspace/lib/api.h \
 userspace/lib/ecs.h userspace/lib/event.h bpf/cellwatch.h \
 userspace/cli/tail.h tests/test.h
userspace/lib/api.h:
userspace/lib/ecs.h:
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/cli/tail.h:
tests/test.h:
