/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Fuzz targets: each takes one input of any bytes, runs it through a parser
 * of untrusted or hand-written input the way cellwatch and cellrun do, and
 * returns 0.  Crashes, sanitizer reports and leaks are the findings.
 *
 * They are plain functions so that test_runner replays the committed seeds
 * and regression inputs through them (tests/test_fuzz_regress.c); built with
 * -DCW_LIBFUZZER each file also defines LLVMFuzzerTestOneInput for
 * libFuzzer (make fuzz).
 */
#ifndef CW_FUZZ_H
#define CW_FUZZ_H

#include <stddef.h>
#include <stdint.h>

/* A rule file's text: parsed, then its rules matched against sample events. */
int cw_fuzz_rules(const uint8_t *data, size_t size);
/* Ring buffer records, each after its length (2 bytes, little-endian). */
int cw_fuzz_event(const uint8_t *data, size_t size);
/* A profile's text, NUL, then cellrun's arguments, NUL-separated. */
int cw_fuzz_options(const uint8_t *data, size_t size);

/* A violated guarantee of the code under test: report it as a crash. */
#define FUZZ_CHECK(cond) do {							\
	if (!(cond))								\
		cw_fuzz_fail(__FILE__, __LINE__, #cond);			\
} while (0)

_Noreturn void cw_fuzz_fail(const char *file, int line, const char *what);

struct cw_event;
/* Every way an event leaves cellwatch: the ECS line, syslog, the alert line. */
void cw_fuzz_emit(const struct cw_event *ev);

#ifdef CW_LIBFUZZER
#define CW_FUZZ_ENTRY(fn)							\
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);		\
	int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)		\
	{									\
		return fn(data, size);						\
	}
#else
#define CW_FUZZ_ENTRY(fn)
#endif

#endif /* CW_FUZZ_H */
