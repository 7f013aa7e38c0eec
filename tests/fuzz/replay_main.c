/* SPDX-License-Identifier: BSD-3-Clause */
/*
 * The replay driver: the same LLVMFuzzerTestOneInput as the libFuzzer binary,
 * run once over every file named on the command line (a directory: every
 * regular file in it, in name order). Built with any compiler, so that the
 * normal build and ./scripts/test.sh replay the corpora and the regression
 * inputs in seconds. A crash is a crash: the process dies (signal, sanitizer
 * report or the target's abort) and the input being run is named on stderr.
 *
 *   replay_packet tests/fuzz/corpus/packet tests/fuzz/regressions/packet
 *
 * Arguments starting with '-' are ignored (libFuzzer flags). Exit 0 after the
 * last input, 2 when a file cannot be read.
 */
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));
/* Present when a sanitizer runtime is linked in: called before it exits on a report. */
void __sanitizer_set_death_callback(void (*cb)(void)) __attribute__((weak));

static const char *current;

static void say_current(void)
{
	if (current != NULL) {
		/* Only async-signal-safe calls: this may run from a signal handler. */
		static const char pre[] = "replay: crashed on ";

		if (write(STDERR_FILENO, pre, sizeof(pre) - 1) < 0 ||
		    write(STDERR_FILENO, current, strlen(current)) < 0 || write(STDERR_FILENO, "\n", 1) < 0)
			return;
	}
}

static void on_fatal(int sig)
{
	say_current();
	signal(sig, SIG_DFL);
	raise(sig);
}

/* One input: read into a buffer of exactly its size (a sanitizer sees over-reads). */
static int run_file(const char *path)
{
	FILE *f = fopen(path, "rb");
	uint8_t *buf;
	long n;

	if (f == NULL || fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
		fprintf(stderr, "replay: %s: %s\n", path, strerror(errno));
		if (f)
			fclose(f);
		return -1;
	}
	buf = malloc(n ? (size_t)n : 1);
	if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
		fprintf(stderr, "replay: %s: cannot read\n", path);
		free(buf);
		fclose(f);
		return -1;
	}
	fclose(f);
	current = path;
	LLVMFuzzerTestOneInput(buf, (size_t)n);
	current = NULL;
	free(buf);
	return 0;
}

static int by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

/* Every regular file of dir (dot files skipped); returns inputs run or -1. */
static long run_dir(const char *dir)
{
	struct dirent **ents;
	long done = 0;
	int n = scandir(dir, &ents, NULL, by_name);

	if (n < 0) {
		fprintf(stderr, "replay: %s: %s\n", dir, strerror(errno));
		return -1;
	}
	for (int i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		if (ents[i]->d_name[0] != '.' &&
		    snprintf(path, sizeof(path), "%s/%s", dir, ents[i]->d_name) < (int)sizeof(path) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (run_file(path) < 0)
				done = -1;
			else if (done >= 0)
				done++;
		}
		free(ents[i]);
	}
	free(ents);
	return done;
}

int main(int argc, char **argv)
{
	static const int sigs[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
	long total = 0;
	int bad = 0;

	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++)
		signal(sigs[i], on_fatal);
	if (__sanitizer_set_death_callback)
		__sanitizer_set_death_callback(say_current);
	if (LLVMFuzzerInitialize)
		LLVMFuzzerInitialize(&argc, &argv);
	for (int i = 1; i < argc; i++) {
		struct stat st;
		long n;

		if (argv[i][0] == '-')
			continue;
		if (stat(argv[i], &st) != 0) {
			fprintf(stderr, "replay: %s: %s\n", argv[i], strerror(errno));
			bad = 1;
			continue;
		}
		n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) == 0 ? 1 : -1;
		if (n < 0)
			bad = 1;
		else
			total += n;
	}
	printf("replay: %ld inputs, no crash\n", total);
	return bad ? 2 : 0;
}
