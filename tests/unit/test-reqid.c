/* Unit tests: incoming request ids kept or replaced. */
#include "reqid.h"
#include "tap.h"

int
main(void)
{
	char id[REQID_MAX + 1], other[REQID_MAX + 1];

	TAP_OK(reqid_valid("abc-123"));
	TAP_OK(reqid_valid("6f1e2a3b-0c4d-4e5f-8a9b-0c1d2e3f4a5b"));
	TAP_OK(reqid_valid("Root=1-67891233-abcdef012345678912345678"));
	TAP_OK(!reqid_valid(""));
	TAP_OK(!reqid_valid(NULL));
	TAP_OK(!reqid_valid("has space"));
	TAP_OK(!reqid_valid("new\nline"));
	TAP_OK(!reqid_valid("<script>"));
	TAP_OK(!reqid_valid("quote\"d"));
	TAP_OK(!reqid_valid("\xc3\xa9"));
	TAP_OK(reqid_valid("0123456789012345678901234567890123456789012345678"
			   "901234567890123")); /* 64 */
	TAP_OK(!reqid_valid("0123456789012345678901234567890123456789012345678"
			    "9012345678901234")); /* 65 */

	reqid_assign(id, "client-id-1");
	TAP_STR(id, "client-id-1");
	reqid_assign(id, "bad id");
	TAP_LONG(strlen(id), 32);
	TAP_OK(strspn(id, "0123456789abcdef") == 32);
	reqid_assign(other, NULL);
	TAP_OK(strcmp(id, other) != 0);
	return tap_done();
}
