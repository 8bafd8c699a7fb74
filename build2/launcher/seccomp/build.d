build2/launcher/seccomp/build.o: launcher/seccomp/build.c \
 launcher/seccomp/../seccomp_lists.h launcher/seccomp/build.h
launcher/seccomp/../seccomp_lists.h:
launcher/seccomp/build.h:
