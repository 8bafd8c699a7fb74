build2/tests/test_binds.o: tests/test_binds.c tests/test.h
tests/test.h:
