build2/tests/test_metrics.o: tests/test_metrics.c build2/buildconf.h \
 userspace/daemon/metrics.h tests/test.h
build2/buildconf.h:
userspace/daemon/metrics.h:
tests/test.h:
