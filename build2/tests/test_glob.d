build2/tests/test_glob.o: tests/test_glob.c userspace/lib/compile.h \
 userspace/lib/rules.h bpf/cellwatch.h userspace/lib/glob.h \
 userspace/lib/rules.h tests/test.h
userspace/lib/compile.h:
userspace/lib/rules.h:
bpf/cellwatch.h:
userspace/lib/glob.h:
userspace/lib/rules.h:
tests/test.h:
