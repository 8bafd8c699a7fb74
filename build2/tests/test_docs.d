build2/tests/test_docs.o: tests/test_docs.c tests/test.h
tests/test.h:
