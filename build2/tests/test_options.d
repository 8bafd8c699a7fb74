build2/tests/test_options.o: tests/test_options.c launcher/cellrun.h \
 userspace/egress/egress.h userspace/lib/log.h launcher/steps.h \
 userspace/lib/parse.h tests/test.h
launcher/cellrun.h:
userspace/egress/egress.h:
userspace/lib/log.h:
launcher/steps.h:
userspace/lib/parse.h:
tests/test.h:
