build2/tests/test_failed_open.o: tests/test_failed_open.c tests/test.h
tests/test.h:
