build2/tests/test_ecs.o: tests/test_ecs.c build2/buildconf.h \
 userspace/lib/event.h bpf/cellwatch.h userspace/lib/ecs.h \
 userspace/lib/event.h tests/fuzz/samples.h userspace/lib/rules.h \
 tests/test.h
build2/buildconf.h:
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/lib/ecs.h:
userspace/lib/event.h:
tests/fuzz/samples.h:
userspace/lib/rules.h:
tests/test.h:
