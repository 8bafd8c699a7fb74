build2/tests/fuzz/samples.o: tests/fuzz/samples.c tests/fuzz/samples.h \
 userspace/lib/event.h bpf/cellwatch.h
tests/fuzz/samples.h:
userspace/lib/event.h:
bpf/cellwatch.h:
