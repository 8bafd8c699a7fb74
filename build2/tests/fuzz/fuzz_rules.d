build2/tests/fuzz/fuzz_rules.o: tests/fuzz/fuzz_rules.c \
 userspace/lib/compile.h userspace/lib/rules.h bpf/cellwatch.h \
 tests/fuzz/fuzz.h userspace/lib/ecs.h userspace/lib/event.h \
 userspace/lib/rules.h tests/fuzz/samples.h userspace/lib/event.h
userspace/lib/compile.h:
userspace/lib/rules.h:
bpf/cellwatch.h:
tests/fuzz/fuzz.h:
userspace/lib/ecs.h:
userspace/lib/event.h:
userspace/lib/rules.h:
tests/fuzz/samples.h:
userspace/lib/event.h:
