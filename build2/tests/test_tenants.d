build2/tests/test_tenants.o: tests/test_tenants.c launcher/cellrun.h \
 userspace/egress/egress.h userspace/lib/log.h launcher/steps.h \
 tests/test.h
launcher/cellrun.h:
userspace/egress/egress.h:
userspace/lib/log.h:
launcher/steps.h:
tests/test.h:
