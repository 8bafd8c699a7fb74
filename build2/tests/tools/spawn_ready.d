build2/tests/tools/spawn_ready.o: tests/tools/spawn_ready.c \
 tests/tools/../ready.h
tests/tools/../ready.h:
