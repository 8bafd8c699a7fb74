build2/tests/test_logfile.o: tests/test_logfile.c userspace/lib/logfile.h \
 tests/test.h
userspace/lib/logfile.h:
tests/test.h:
