/* passthrough: copy standard input to standard output and exit 0. The least a precreate hook can
 * do, since every one reads the runtime config and writes the config the runtime gets: make bench
 * runs it in the hook's place, with the config seccomp-hook would have written as its input, for a
 * floor row. Built like the loader (static, musl when configure finds it); no .bss, no allocation. */
#include <errno.h>
#include <unistd.h>

int main(void)
{
	char buf[16384];
	for (;;) {
		ssize_t n = read(0, buf, sizeof buf);
		if (n == 0)
			return 0;
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return 1;
		}
		for (ssize_t done = 0; done < n;) {
			ssize_t w = write(1, buf + done, (size_t)(n - done));
			if (w < 0 && errno == EINTR)
				continue;
			if (w <= 0)
				return 1;
			done += w;
		}
	}
}
