build2/tests/test_seccomp.o: tests/test_seccomp.c \
 launcher/seccomp/build.h launcher/steps.h tests/test.h
launcher/seccomp/build.h:
launcher/steps.h:
tests/test.h:
