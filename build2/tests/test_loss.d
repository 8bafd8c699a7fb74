build2/tests/test_loss.o: tests/test_loss.c bpf/cellwatch.h tests/test.h
bpf/cellwatch.h:
tests/test.h:
