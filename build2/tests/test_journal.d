build2/tests/test_journal.o: tests/test_journal.c userspace/lib/ecs.h \
 userspace/lib/event.h bpf/cellwatch.h userspace/daemon/syslog_out.h \
 userspace/daemon/journal.h userspace/daemon/rfc5424.h tests/test.h
userspace/lib/ecs.h:
userspace/lib/event.h:
bpf/cellwatch.h:
userspace/daemon/syslog_out.h:
userspace/daemon/journal.h:
userspace/daemon/rfc5424.h:
tests/test.h:
