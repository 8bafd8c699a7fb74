build2/tests/test_paths.o: tests/test_paths.c userspace/lib/event.h \
 bpf/cellwatch.h userspace/lib/ecs.h userspace/lib/event.h \
 userspace/lib/paths.h userspace/lib/rules.h tests/test.h
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/lib/ecs.h:
userspace/lib/event.h:
userspace/lib/paths.h:
userspace/lib/rules.h:
tests/test.h:
