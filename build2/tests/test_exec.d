build2/tests/test_exec.o: tests/test_exec.c tests/test.h
tests/test.h:
