build2/tests/test_correlate.o: tests/test_correlate.c \
 userspace/lib/correlate.h userspace/lib/event.h bpf/cellwatch.h \
 userspace/lib/rules.h tests/test.h
userspace/lib/correlate.h:
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/lib/rules.h:
tests/test.h:
