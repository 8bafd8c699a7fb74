build2/tests/test_deploy.o: tests/test_deploy.c tests/test.h
tests/test.h:
