build2/tests/fuzz/fuzz_event.o: tests/fuzz/fuzz_event.c \
 userspace/lib/compile.h userspace/lib/rules.h bpf/cellwatch.h \
 userspace/lib/event.h tests/fuzz/fuzz.h userspace/lib/proctree.h \
 userspace/lib/event.h userspace/lib/rules.h
userspace/lib/compile.h:
userspace/lib/rules.h:
bpf/cellwatch.h:
userspace/lib/event.h:
tests/fuzz/fuzz.h:
userspace/lib/proctree.h:
userspace/lib/event.h:
userspace/lib/rules.h:
