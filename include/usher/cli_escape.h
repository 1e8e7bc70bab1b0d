#ifndef USHER_CLI_ESCAPE_H
#define USHER_CLI_ESCAPE_H
/* What usherctl prints of stored strings (names, addresses, user agents, ids): never a raw
 * control character a terminal would obey or a line break that would forge an entry. Pure
 * functions, no I/O. */
struct arena;

/* s for a text line: every C0 control (tab, CR and LF included: the command's own
 * separators are printed around the fields, never from them), DEL, C1 control (U+0080 to
 * U+009F, written by its code point) and byte that is not part of well-formed UTF-8
 * becomes "\xNN" (two lowercase hex digits). Everything else, a backslash included, is
 * kept. Returns s itself when nothing changes, else a copy in the arena; NULL gives NULL. */
const char *cli_text(struct arena *a, const char *s);

/* json, a JSON text as json-c writes it (C0 already escaped inside strings, line breaks of
 * the layout kept), with DEL and every C1 control written "\u00NN" instead of raw (outside
 * strings JSON holds neither), and a byte that is not UTF-8 as "\ufffd". Returns
 * json itself when nothing changes, else a copy in the arena; NULL gives NULL. */
const char *cli_json(struct arena *a, const char *json);

#endif
