build2/tests/test_fs.o: tests/test_fs.c tests/test.h
tests/test.h:
