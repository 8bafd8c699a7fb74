build2/launcher/seccomp/gen.o: launcher/seccomp/gen.c \
 launcher/seccomp/build.h
launcher/seccomp/build.h:
