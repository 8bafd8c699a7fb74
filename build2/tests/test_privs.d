build2/tests/test_privs.o: tests/test_privs.c \
 tests/../launcher/seccomp_lists.h tests/test.h
tests/../launcher/seccomp_lists.h:
tests/test.h:
