build2/tests/ready.o: tests/ready.c tests/ready.h
tests/ready.h:
