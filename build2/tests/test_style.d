build2/tests/test_style.o: tests/test_style.c tests/test.h
tests/test.h:
