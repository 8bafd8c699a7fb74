build2/tests/test_config.o: tests/test_config.c tests/test.h
tests/test.h:
