# category: escape
# expect: caught
# goal: reach the kernel keyrings (keyctl: join a new session keyring)
import hostile as h

h.bound(5)
KEYCTL_JOIN_SESSION_KEYRING = 1
h.syscall_verdict("keyctl", KEYCTL_JOIN_SESSION_KEYRING, 0, what="keyctl(JOIN_SESSION_KEYRING)")
