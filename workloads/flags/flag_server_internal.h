/* flag_server_internal.h — internal entry points of the flag server for the
 * fuzz targets (fuzz/fuzz_server_path.c) and tests. Not for other modules. */
#ifndef CFB_FLAG_SERVER_INTERNAL_H
#define CFB_FLAG_SERVER_INTERNAL_H

/* The file that `cfbench serve --root` serves for the (already %-decoded)
 * request path url, as route() finds it: the path must pass the server's
 * path check and open beneath root_fd (a directory fd, borrowed) as a
 * regular file. Returns a new read-only fd (the caller closes it), or -1
 * when the request is not served from the root (400 or 404). Never an fd
 * of a file outside the root. */
int cfb__server_open_path(int root_fd, const char *url);

#endif
