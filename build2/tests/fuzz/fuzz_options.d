build2/tests/fuzz/fuzz_options.o: tests/fuzz/fuzz_options.c \
 launcher/cellrun.h userspace/egress/egress.h userspace/lib/log.h \
 launcher/steps.h tests/fuzz/fuzz.h
launcher/cellrun.h:
userspace/egress/egress.h:
userspace/lib/log.h:
launcher/steps.h:
tests/fuzz/fuzz.h:
