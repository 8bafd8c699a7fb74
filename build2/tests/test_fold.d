build2/tests/test_fold.o: tests/test_fold.c bpf/cellwatch.h \
 userspace/lib/folds.h userspace/lib/event.h tests/test.h
bpf/cellwatch.h:
userspace/lib/folds.h:
userspace/lib/event.h:
tests/test.h:
