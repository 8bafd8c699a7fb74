build2/tests/test_es.o: tests/test_es.c tests/test.h
tests/test.h:
