build2/tests/test_daemon.o: tests/test_daemon.c build2/buildconf.h \
 userspace/lib/api.h tests/test.h
build2/buildconf.h:
userspace/lib/api.h:
tests/test.h:
