build2/tests/test_scope.o: tests/test_scope.c tests/test.h
tests/test.h:
