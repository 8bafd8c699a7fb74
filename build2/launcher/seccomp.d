build2/launcher/seccomp.o: launcher/seccomp.c build2/seccomp_filters.h \
 launcher/steps.h
build2/seccomp_filters.h:
launcher/steps.h:
