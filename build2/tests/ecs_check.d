build2/tests/ecs_check.o: tests/ecs_check.c tests/test.h
tests/test.h:
