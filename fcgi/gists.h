/* GitHub's gist list JSON to this service's compact form; pure, no I/O. */
#ifndef GISTS_GISTS_H
#define GISTS_GISTS_H

#include <stdbool.h>
#include <stddef.h>

#include <json-c/json.h>

#define GISTS_ERR_LEN 160

/*
 * Parse one page of GitHub's "list gists" reply (strict JSON, valid
 * UTF-8) and return a new array of compact gist objects in GitHub's
 * order, or NULL with err saying what was wrong with the reply. body must
 * be NUL-terminated (body[len] == '\0'), as the upstream client keeps it.
 */
struct json_object *
gists_from_github(const char *body, size_t len, char *err, size_t errlen);

/*
 * Whether body[0..len) is UTF-8 without raw control characters (but tab,
 * LF, CR): 0, or -1 with err. Part of gists_from_github; for tests.
 */
int gists_check_bytes(const char *body, size_t len, char *err, size_t errlen);

/*
 * Whether arr is an array of compact gists exactly as gists_from_github
 * makes them (every member, nothing more, each of its type): 0 or -1.
 * For what comes back from the shared tier.
 */
int gists_check_compact(struct json_object *arr);

/*
 * Whether s[0..len) is an RFC 3339 date-time (section 5.6), as GitHub's
 * created_at and updated_at must be: a date that exists, a time with
 * second 60 allowed (leap), optional fraction, "Z" or a numeric offset.
 */
bool gists_time_ok(const char *s, size_t len);

#endif
