build2/tests/test_shells.o: tests/test_shells.c tests/test.h
tests/test.h:
