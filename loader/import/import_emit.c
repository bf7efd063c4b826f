// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * import_emit.c - write an imported policy as smtpguard.conf: keys in the
 * order the configuration documents them, each line with its origin, the
 * explanations above, and the differences again at the end, so the file
 * still says why it is what it is after "import --write".
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "import.h"

#define WRAP_WIDTH 78
#define ORIGIN_COLUMN 40

/*
 * text as comment lines no wider than WRAP_WIDTH, the first starting with
 * prefix, the others with more; '\n' in text starts a new line.
 */
static void comment_wrapped(FILE *out, const char *prefix, const char *more, const char *text)
{
	size_t width = WRAP_WIDTH - strlen(prefix);

	while (*text) {
		size_t line = strcspn(text, "\n"), n = line;

		if (n > width) {
			n = width;
			while (n && text[n] != ' ')
				n--;
			if (!n)
				n = width;
		}
		fprintf(out, "%s%.*s\n", prefix, (int)n, text);
		prefix = more;
		text += n;
		if (*text == ' ' || *text == '\n')
			text++;
	}
}

static void emit_key(const struct import_policy *p, enum cfg_key key, FILE *out)
{
	bool any = false;

	for (size_t i = 0; i < p->texts.n; i++) {
		if (p->texts.v[i].key != key)
			continue;
		if (!any)
			fputc('\n', out);
		comment_wrapped(out, "# ", "# ", p->texts.v[i].text);
		any = true;
	}
	for (size_t i = 0; i < p->lines.n; i++) {
		const struct import_line *l = &p->lines.v[i];
		char line[512];

		if (l->key != key)
			continue;
		if (!any)
			fputc('\n', out);
		any = true;
		snprintf(line, sizeof(line), "%s = %s", config_key_name(key), l->value);
		fprintf(out, "%-*s  # %s\n", ORIGIN_COLUMN - 2, line, l->origin);
	}
}

void import_emit(const struct import_policy *p, FILE *out)
{
	const char *title = import_source_title(p->source);
	bool notes = false;

	fprintf(out,
		"# smtpguard.conf - imported from %s by \"smtpguard import %s\".\n"
		"#\n"
		"# Each setting names the line of %s it came from. Check the file, then\n"
		"# apply it:  smtpguard check-config FILE && smtpguard sync\n"
		"# (smtpguard load when no guard runs yet). See smtpguard.conf(5) and the\n"
		"# README's migration section: compare in mode = audit first.\n",
		p->path, import_source_name(p->source), p->label);
	for (size_t i = 0; i < p->texts.n; i++) {
		if (p->texts.v[i].key != CFG_KEY_COUNT)
			continue;
		fprintf(out, "#\n");
		comment_wrapped(out, "# ", "# ", p->texts.v[i].text);
	}
	for (int key = 0; key < CFG_KEY_COUNT; key++)
		emit_key(p, key, out);
	for (size_t i = 0; i < p->notes.n; i++) {
		const struct import_note *n = import_note_at(p, i);
		char text[1024];

		if (!notes)
			fprintf(out,
				"\n# Where %s and smtpguard differ (as printed by the import):\n",
				title);
		notes = true;
		if (n->line)
			snprintf(text, sizeof(text), "%s:%u: %s", p->label, n->line, n->text);
		else
			snprintf(text, sizeof(text), "%s: %s", p->label, n->text);
		comment_wrapped(out, "# - ", "#   ", text);
	}
}

int import_render(const struct import_policy *p, char **text, size_t *len, FILE *diag)
{
	struct sg_config cfg;
	char *msgs = NULL;
	size_t msgs_len = 0;
	FILE *out, *errs;
	int errors;

	*text = NULL;
	out = open_memstream(text, len);
	if (!out)
		return -ENOMEM;
	import_emit(p, out);
	if (fclose(out)) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	/* The real parser is the judge: what import writes, load must accept. */
	errs = open_memstream(&msgs, &msgs_len);
	if (!errs) {
		free(*text);
		*text = NULL;
		return -ENOMEM;
	}
	errors = config_parse("(imported)", *text, *len, &cfg, errs);
	fclose(errs);
	config_free(&cfg);
	if (errors) {
		fprintf(diag, "smtpguard: the imported configuration does not parse (a bug):\n%s",
			msgs ? msgs : "");
		free(*text);
		*text = NULL;
	}
	free(msgs);
	return errors < 0 ? errors : errors ? -EINVAL : 0;
}
