build2/tests/test_fuzz_regress.o: tests/test_fuzz_regress.c \
 userspace/lib/event.h bpf/cellwatch.h launcher/cellrun.h \
 userspace/egress/egress.h userspace/lib/log.h launcher/steps.h \
 tests/fuzz/fuzz.h userspace/lib/rules.h tests/test.h
userspace/lib/event.h:
bpf/cellwatch.h:
launcher/cellrun.h:
userspace/egress/egress.h:
userspace/lib/log.h:
launcher/steps.h:
tests/fuzz/fuzz.h:
userspace/lib/rules.h:
tests/test.h:
