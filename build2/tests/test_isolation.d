build2/tests/test_isolation.o: tests/test_isolation.c tests/test.h
tests/test.h:
