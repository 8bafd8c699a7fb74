build2/tests/test_limits.o: tests/test_limits.c tests/test.h
tests/test.h:
