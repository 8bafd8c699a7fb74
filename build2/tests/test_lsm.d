build2/tests/test_lsm.o: tests/test_lsm.c build2/buildconf.h tests/test.h
build2/buildconf.h:
tests/test.h:
