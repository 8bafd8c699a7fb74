build2/tests/test_install.o: tests/test_install.c build2/buildconf.h \
 tests/test.h
build2/buildconf.h:
tests/test.h:
