build2/tests/test_escape.o: tests/test_escape.c tests/test.h
tests/test.h:
