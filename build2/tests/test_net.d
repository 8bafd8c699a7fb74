build2/tests/test_net.o: tests/test_net.c tests/test.h
tests/test.h:
