build2/tests/fuzz/fuzz.o: tests/fuzz/fuzz.c tests/fuzz/fuzz.h \
 userspace/lib/ecs.h userspace/lib/event.h bpf/cellwatch.h \
 userspace/daemon/rfc5424.h
tests/fuzz/fuzz.h:
userspace/lib/ecs.h:
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/daemon/rfc5424.h:
