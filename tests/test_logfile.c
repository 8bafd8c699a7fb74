// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Unit tests: the rotating JSON-lines log file. */
#include <signal.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include "logfile.h"
#include "test.h"

static long file_size(const char *path)
{
	struct stat st;

	return stat(path, &st) ? -1 : st.st_size;
}

UNIT_TEST(logfile_rotates_between_whole_lines)
{
	struct cw_logfile_opts opts = { .max_bytes = 200, .keep = 2 };
	const char *path = test_path(0, "events.json");
	char rotated[4200];
	struct cw_logfile *lf;
	int total = 0, seen = 0, last = -1;

	lf = cw_logfile_open(path, &opts);
	if (!ASSERT_OK_PTR(lf, "open"))
		return;
	for (int i = 0; i < 40; i++) {
		json_t *doc = json_pack("{s:{s:i}, s:s}", "event", "sequence", i,
					"message", "xxxxxxxxx");

		total += ASSERT_OK(cw_logfile_write(lf, doc), "write");
		json_decref(doc);
	}
	cw_logfile_close(lf);
	ASSERT_EQ(total, 40, "every write succeeded");
	ASSERT_TRUE(file_size(path) <= 200, "the current file stays under the limit");
	for (int i = 1; i <= 2; i++) {
		snprintf(rotated, sizeof(rotated), "%s.%d", path, i);
		ASSERT_TRUE(file_size(rotated) > 0 && file_size(rotated) <= 200, "rotated file kept");
	}
	snprintf(rotated, sizeof(rotated), "%s.3", path);
	ASSERT_EQ(file_size(rotated), -1, "no more than keep rotated files");

	/* Oldest to newest, every line whole and in sequence. */
	for (int i = 2; i >= 0; i--) {
		json_t *lines;
		size_t j;
		json_t *doc;

		if (i)
			snprintf(rotated, sizeof(rotated), "%s.%d", path, i);
		else
			snprintf(rotated, sizeof(rotated), "%s", path);
		lines = read_log(rotated);
		json_array_foreach(lines, j, doc) {
			int seq = jint(doc, "event.sequence");

			if (last >= 0)
				ASSERT_EQ(seq, last + 1, "lines in order, none lost between files");
			last = seq;
			seen++;
		}
		json_decref(lines);
	}
	ASSERT_EQ(last, 39, "the newest line is last");
	ASSERT_TRUE(seen > 0 && seen < 40, "older lines rotated out past keep");
}

/* The bytes of @path, NUL-terminated, in @buf. */
UNIT_TEST(logfile_sole_writer_drops_a_line_cut_by_a_crash)
{
	struct cw_logfile_opts shared = { .keep = 1 }, sole = { .keep = 1, .sole_writer = true };
	const char *path = test_path(0, "events.json");
	char buf[4096];
	struct cw_logfile *lf;
	json_t *doc = json_pack("{s:i}", "seq", 2);
	FILE *f = fopen(path, "w");

	if (!ASSERT_OK_PTR(f, "create") || !ASSERT_OK_PTR(doc, "json"))
		goto out;
	fputs("{\"seq\":1}\n{\"seq\":1.5, \"pi", f);	/* a write a SIGKILL cut short */
	fclose(f);

	/* A file others may append to: their line in progress is not ours to cut. */
	lf = cw_logfile_open(path, &shared);
	if (ASSERT_OK_PTR(lf, "open shared"))
		cw_logfile_close(lf);
	read_text(path, buf, sizeof(buf));
	ASSERT_STREQ(buf, "{\"seq\":1}\n{\"seq\":1.5, \"pi", "left alone");

	lf = cw_logfile_open(path, &sole);
	if (!ASSERT_OK_PTR(lf, "open as the sole writer"))
		goto out;
	ASSERT_OK(cw_logfile_write(lf, doc), "write");
	cw_logfile_close(lf);
	read_text(path, buf, sizeof(buf));
	ASSERT_STREQ(buf, "{\"seq\":1}\n{\"seq\":2}\n", "the cut line gone, the next one whole");
out:
	json_decref(doc);
}

/* One line of 50 bytes, numbered (@seq: 10 to 99). */
static int write_line(struct cw_logfile *lf, int seq)
{
	json_t *doc = json_pack("{s:i, s:s}", "seq", seq, "pad", "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxx");
	int ret = cw_logfile_write(lf, doc);

	json_decref(doc);
	return ret;
}

/*
 * logrotate's two ways: the file moved away and the writer told to reopen
 * (SIGUSR1), or the file copied and truncated behind the writer's back.
 * Either way new lines land in a file of the configured name, and a
 * truncation does not make the writer rotate a file that is not full.
 */
UNIT_TEST(logfile_follows_an_outside_rotation)
{
	struct cw_logfile_opts opts = { .max_bytes = 600, .keep = 2 };
	const char *path = test_path(0, "events.json"), *moved = test_path(1, "moved.json");
	char rotated[4200];
	struct cw_logfile *lf;
	long before;

	lf = cw_logfile_open(path, &opts);
	if (!ASSERT_OK_PTR(lf, "open"))
		return;
	for (int i = 10; i < 13; i++)
		ASSERT_OK(write_line(lf, i), "write");
	/* Moved, then reopened: the moved file keeps its lines, new ones go to a new file. */
	ASSERT_OK(rename(path, moved) ? -errno : 0, "move the file away");
	ASSERT_OK(cw_logfile_reopen(lf), "reopen");
	ASSERT_OK(write_line(lf, 13), "write after the reopen");
	ASSERT_OK(cw_logfile_flush(lf), "flush");
	before = file_size(moved);
	ASSERT_TRUE(before > 0, "the moved file has the earlier lines");
	ASSERT_TRUE(file_size(path) > 0 && file_size(path) < before, "a new file has the new line");
	/* Nearly full, then truncated from outside: the next lines fit, no rotation. */
	for (int i = 14; i < 22; i++)
		ASSERT_OK(write_line(lf, i), "write");
	ASSERT_OK(cw_logfile_flush(lf), "flush");
	ASSERT_OK(truncate(path, 0) ? -errno : 0, "truncate from outside");
	/* 9 lines of ~50 bytes were counted: 4 more would pass 600 without the truncation. */
	for (int i = 22; i < 26; i++)
		ASSERT_OK(write_line(lf, i), "write after the truncation");
	snprintf(rotated, sizeof(rotated), "%s.1", path);
	ASSERT_EQ(file_size(rotated), -1, "no rotation of a file the truncation emptied");
	cw_logfile_close(lf);
	unlink(moved);
}

/*
 * Lines are held until the writer flushes, then written together, a page
 * of the file at a time; a write the disk cut short (here the file size
 * limit, inside the second page's write) keeps the lines it wrote whole,
 * cuts the one it left half done, and counts every line not written.
 */
UNIT_TEST(logfile_batch_written_whole_lines_or_counted)
{
	struct cw_logfile_opts opts = { .keep = 1 };
	const char *path = test_path(0, "events.json");
	struct rlimit fsize = { .rlim_cur = 1000, .rlim_max = RLIM_INFINITY };
	char text[85 * 50 + 1];
	int seq[85], nlines = 0;
	struct cw_logfile *lf;

	lf = cw_logfile_open(path, &opts);
	if (!ASSERT_OK_PTR(lf, "open"))
		return;
	for (int i = 10; i < 50; i++)
		ASSERT_OK(write_line(lf, i), "write");
	ASSERT_EQ(file_size(path), 0, "held until the flush");
	ASSERT_OK(cw_logfile_flush(lf), "flush");
	ASSERT_EQ(file_size(path), 40 * 50, "every line written at the flush");

	/*
	 * 48 lines more, from byte 2000: the first write ends with the line
	 * across byte 4096 (at 4100, 42 lines), the second would hold the
	 * other 6; the limit lets 2 lines and 10 bytes of it through.
	 */
	fsize.rlim_cur = 4100 + 2 * 50 + 10;
	signal(SIGXFSZ, SIG_IGN);
	if (!ASSERT_OK(setrlimit(RLIMIT_FSIZE, &fsize), "file size limit"))
		goto out;
	for (int i = 50; i < 98; i++)
		ASSERT_OK(write_line(lf, i), "write");
	ASSERT_EQ(cw_logfile_flush(lf), 4, "the lines not written counted");
	ASSERT_EQ(file_size(path), 84 * 50, "the half-written line cut");
	ASSERT_EQ(write_line(lf, 98) + cw_logfile_flush(lf), 1, "a full file: the next line counted");
	fsize.rlim_cur = RLIM_INFINITY;
	setrlimit(RLIMIT_FSIZE, &fsize);
	ASSERT_OK(write_line(lf, 99) + cw_logfile_flush(lf), "room again");
	cw_logfile_close(lf);

	read_text(path, text, sizeof(text));
	for (char *line = text, *end; (end = strchr(line, '\n')); line = end + 1) {
		if (nlines < 85 && sscanf(line, "{\"seq\":%d,", &seq[nlines]) == 1 &&
		    line[49] == '\n')
			nlines++;
	}
	ASSERT_EQ(nlines, 85, "every line written is whole");
	ASSERT_EQ(seq[83], 93, "the last line before the limit");
	ASSERT_EQ(seq[84], 99, "then the first after it");
	return;
out:
	cw_logfile_close(lf);
}
