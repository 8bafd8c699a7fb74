build2/tests/test_shorten.o: tests/test_shorten.c \
 userspace/daemon/rfc5424.h userspace/daemon/shorten.h \
 userspace/lib/ecs.h userspace/lib/event.h bpf/cellwatch.h tests/test.h
userspace/daemon/rfc5424.h:
userspace/daemon/shorten.h:
userspace/lib/ecs.h:
userspace/lib/event.h:
bpf/cellwatch.h:
tests/test.h:
