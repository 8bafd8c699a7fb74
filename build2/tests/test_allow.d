build2/tests/test_allow.o: tests/test_allow.c tests/test.h
tests/test.h:
