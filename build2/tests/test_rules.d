build2/tests/test_rules.o: tests/test_rules.c userspace/lib/compile.h \
 userspace/lib/rules.h bpf/cellwatch.h userspace/lib/event.h \
 userspace/lib/rules.h tests/test.h
userspace/lib/compile.h:
userspace/lib/rules.h:
bpf/cellwatch.h:
userspace/lib/event.h:
userspace/lib/rules.h:
tests/test.h:
