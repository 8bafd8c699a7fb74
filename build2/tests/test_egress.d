build2/tests/test_egress.o: tests/test_egress.c userspace/egress/egress.h \
 tests/test.h
userspace/egress/egress.h:
tests/test.h:
