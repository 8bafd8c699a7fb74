/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* cellwatch tail: live alerts from the daemon, one per line. */
#ifndef CW_TAIL_H
#define CW_TAIL_H

/* `cellwatch tail [options]`: argv[0] is "tail".  Returns the exit status. */
int cw_tail_main(int argc, char **argv);

#endif /* CW_TAIL_H */
