/* libFuzzer: configuration values, as an operator might mistype them. */
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct config cfg;
	char err[CONFIG_ERR_LEN];
	const char *name;
	char *value;

	if (size < 1)
		return 0;
	name = config_var_name(data[0] % config_var_count());
	/* an environment value is a C string: it ends at the first NUL */
	if ((value = malloc(size)) == NULL)
		return 0;
	memcpy(value, data + 1, size - 1);
	value[size - 1] = '\0';
	for (size_t i = 0; i < config_var_count(); i++)
		unsetenv(config_var_name(i));
	setenv(name, value, 1);
	if (config_load(&cfg, err, sizeof(err)) == 0) {
		if (cfg.api_url == NULL || strncmp(cfg.api_url, "http", 4) != 0)
			abort();
		config_free(&cfg);
	} else {
		/* the message names the variable... */
		bool named = strncmp(err, name, strlen(name)) == 0;
		/* ...and never echoes the token: fixed words only */
		bool secret = strcmp(name, "GITHUB_TOKEN") == 0 &&
		    strcmp(err,
			"GITHUB_TOKEN: is longer than 1024 characters") != 0 &&
		    strcmp(err,
			"GITHUB_TOKEN: may hold only printable ASCII without "
			"spaces") != 0;

		if (!named || secret)
			abort();
	}
	free(value);
	return 0;
}
