/* peer.c - pg peer: signed peer objects, the founding text's "knowledge of other nodes"
 *
 * A peer object says "a pg store can be fetched from this URL", signed by
 * whoever announces it.  It travels in the announcer's log like any other
 * object, so pulling someone's log teaches you the stores they know of;
 * 'pg peer adopt' turns one into a remote.  Nothing is fetched from a URL
 * until a person adopts it and pulls: an announcement is a hint, not a
 * command.
 */
#include "cmd.h"
#include "sync.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static const char *const examples[] = {
	"pg peer announce git://pg.example.org/store\tsign a URL others can fetch from into your log",
	"pg peer ls\tevery peer in the store: URL, by whom, and which remote has it",
	"pg peer adopt 7c21e0\tadd a remote for that peer's URL, named after its announcer",
	"pg peer adopt 7c21e0 --name hub\tthe same, under a name you choose",
	NULL,
};
static const struct cmd_help help = {
	"peer",
	"Announce URLs of stores others can fetch from as signed peer objects, list the peers you hold, "
	"adopt one as a remote",
	"pg peer ls [--json]\n   or: pg peer announce URL [--as KEY]\n   or: pg peer adopt PEER [--name NAME]",
	examples,
};

/* --- URLs ------------------------------------------------------------------ */

/* Why url is not one to announce or adopt, or NULL when it is one: a URL
 * of a transport other machines can reach (git://, ssh://, http://,
 * https://; file:// for a store on a shared file system), in printable
 * ASCII, naming a host that cannot be read as an option, and accepted by
 * pg_remote_url_valid.  A path or scp-like address means something only
 * where it was written, so it is refused: a peer object is read elsewhere. */
static const char *url_problem(const char *url)
{
	static const char *const schemes[] = { "git://", "ssh://", "http://", "https://", "file://", NULL };
	if (!*url)
		return "it is empty";
	for (const char *p = url; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			return "it contains a control character";
	if (url[0] == '-')
		return "it begins with '-', which git could read as an option";
	const char *sep = strstr(url, "://"), *helper = strstr(url, "::");
	if (helper && (!sep || helper < sep))
		return "'::' names a git transport helper (ext::, fd:: ...), which runs programs; pg never hands one "
		       "to git";
	for (const char *p = url; *p; p++)
		if (*p == ' ')
			return "it contains a space; percent-encode it (%20)";
		else if ((unsigned char)*p > 0x7e)
			return "it contains bytes outside printable ASCII; percent-encode them";
	if (!sep) {
		/* git reads host:path as scp-like when no '/' comes before the ':' */
		const char *colon = strchr(url, ':'), *slash = strchr(url, '/');
		if (url[0] != '.' && colon && (!slash || colon < slash))
			return "it is an scp-like address, not a URL; write it as ssh://user@host/path";
		return "it is a path, which means something only on this machine; announce a URL others can fetch "
		       "from: git://, ssh://, http:// or https:// (file:// for a shared file system)";
	}
	const char *const *sc = schemes;
	while (*sc && strncmp(url, *sc, strlen(*sc)))
		sc++;
	if (!*sc)
		return "it is not a transport pg fetches from: use git://, ssh://, http://, https:// or file://";
	const char *auth = url + strlen(*sc), *slash = strchr(auth, '/');
	size_t alen = slash ? (size_t)(slash - auth) : strlen(auth);
	if (!strcmp(*sc, "file://")) {
		if (alen != 0)
			return "file:// takes no host, only an absolute path: file:///absolute/path (three slashes)";
		if (!slash || !slash[1])
			return "it names no store: file:///absolute/path";
	} else {
		if (alen == 0)
			return "it names no host";
		const char *host = auth; /* after the last '@' of the authority */
		for (size_t i = 0; i < alen; i++)
			if (auth[i] == '@')
				host = auth + i + 1;
		if (auth[0] == '-' || host[0] == '-')
			return "its user or host begins with '-', which could be read as an option";
		if (host == auth + alen)
			return "it names no host";
	}
	if (!pg_remote_url_valid(url))
		return "pg does not hand it to git";
	return NULL;
}

/* url for a message: at most 200 bytes, anything outside printable ASCII
 * as \xNN, so a URL from someone else cannot drive the terminal. */
static char *shown(const char *url)
{
	pg_buf b = PG_BUF_INIT;
	for (const char *p = url; *p && b.len < 200; p++)
		if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7e || *p == '\\')
			pg_buf_printf(&b, "\\x%02x", (unsigned char)*p);
		else
			pg_buf_putc(&b, *p);
	if (strlen(url) > 200)
		pg_buf_puts(&b, "...");
	return pg_buf_detach(&b);
}

/* The remote that fetches from url, or NULL (owned by r). */
static const char *remote_with(const pg_remote_info *r, size_t n, const char *url)
{
	char *form = pg_remote_url_form(url);
	const char *found = NULL;
	for (size_t i = 0; i < n && !found; i++)
		if (!strcmp(r[i].url, url) || !strcmp(r[i].url, form))
			found = r[i].name;
	free(form);
	return found;
}

/* --- peers in the index ---------------------------------------------------- */

struct peer {
	pg_index_row row;
	char *url;
};

struct peers {
	struct pg_ctx *ctx;
	struct peer *p;
	size_t n;
};

/* A pg_index_query callback: each peer object with its url, read from the
 * store and verified; one that cannot be read is left out with a warning. */
static int collect_peer(const pg_index_row *r, void *data)
{
	struct peers *ps = data;
	pg_object *o;
	if (read_object(ps->ctx, &o, r) < 0) {
		fflush(stdout);
		fprintf(stderr, "warning: %s; left out ('pg fsck' checks the store)\n", pg_error_last());
		pg_error_clear();
		return 0;
	}
	ps->p = pg_realloc(ps->p, (ps->n + 1) * sizeof(*ps->p));
	pg_index_row_copy(&ps->p[ps->n].row, r);
	ps->p[ps->n++].url = pg_strdup(pg_object_get(o, "url"));
	pg_object_free(o);
	return 0;
}

static void peers_free(struct peers *ps)
{
	for (size_t i = 0; i < ps->n; i++) {
		pg_index_row_clear(&ps->p[i].row);
		free(ps->p[i].url);
	}
	free(ps->p);
}

/* Newest first; the same second by id. */
static int cmp_peer(const void *a, const void *b)
{
	const struct peer *x = a, *y = b;
	if (x->row.date != y->row.date)
		return x->row.date > y->row.date ? -1 : 1;
	return strcmp(x->row.id, y->row.id);
}

/* Every peer object, or those by author (64 hex) when it is set. */
static int load_peers(struct pg_ctx *ctx, struct peers *ps, const char *author)
{
	pg_query q = { .type = "peer", .author = author };
	memset(ps, 0, sizeof(*ps));
	ps->ctx = ctx;
	int err = pg_index_query(ctx->index, &q, collect_peer, ps);
	if (err == 0 && ps->n)
		qsort(ps->p, ps->n, sizeof(*ps->p), cmp_peer);
	return err;
}

/* An id argument that must name a peer object: a clear error when it names
 * an object of another type. */
static int find_peer(struct pg_ctx *ctx, pg_index_row *row, const char *arg)
{
	int err = resolve_object(ctx, row, arg, PG_T_PEER);
	if (err != PG_ENOTFOUND)
		return err;
	pg_index_row other;
	if (resolve_object(ctx, &other, arg, PG_T_NONE) == 0) {
		err = pg_error_set(PG_ENOTFOUND, "%.12s is %s %s%s%s by %s, not a peer object; 'pg peer ls' lists the peers",
				   other.id, strchr("aeiou", other.type[0]) ? "an" : "a", other.type,
				   other.name ? " " : "", other.name ? other.name : "", author_label(&other));
		pg_index_row_clear(&other);
		return err;
	}
	return pg_error_set(PG_ENOTFOUND, "no peer object with id %s; 'pg peer ls' lists the peers", arg);
}

/* --- pg peer ls ------------------------------------------------------------- */

static int peer_ls(int argc, const char **argv, struct pg_ctx *ctx)
{
	int json = 0;
	const struct option opts[] = {
		OPT_BOOL(0, "json", &json, "print a JSON array: id, url, author, author_name, date, remote"),
		OPT_END(),
	};
	if (parse_options(argc, argv, opts, &help))
		return usage_error(&help, opts, "'pg peer ls' takes no arguments");
	struct peers ps = { 0 };
	pg_remote_info *r = NULL;
	size_t nr = 0;
	int err = pg_remote_list(&r, &nr, ctx->store);
	if (err == 0)
		err = load_peers(ctx, &ps, NULL);
	if (err < 0) {
		peers_free(&ps);
		pg_remote_list_free(r, nr);
		return report(err);
	}
	json_t *arr = json ? json_array() : NULL;
	for (size_t i = 0; i < ps.n; i++) {
		const struct peer *p = &ps.p[i];
		const char *remote = remote_with(r, nr, p->url);
		if (json) {
			json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s?, s:I, s:s?}", "id", p->row.id, "url",
							     p->url, "author", p->row.author, "author_name",
							     p->row.author_name, "date", (json_int_t)p->row.date, "remote",
							     remote));
			continue;
		}
		char date[32], *url = shown(p->url);
		pg_format_date(date, p->row.date);
		date[10] = '\0';
		printf("%s%.12s%s  %s  %-12s  %s", color(ctx, C_ID), p->row.id, color(ctx, C_RESET), date,
		       author_label(&p->row), url);
		if (remote)
			printf("  (remote %s%s%s)", color(ctx, C_NAME), remote, color(ctx, C_RESET));
		putchar('\n');
		free(url);
	}
	if (json)
		print_json(arr);
	else if (ps.n == 0)
		info(ctx, "no peers in this store: 'pg peer announce URL' publishes one, 'pg pull' brings others'");
	peers_free(&ps);
	pg_remote_list_free(r, nr);
	return EXIT_OK;
}

/* --- pg peer announce -------------------------------------------------------- */

static int peer_announce(int argc, const char **argv, struct pg_ctx *ctx)
{
	const char *as = NULL;
	const struct option opts[] = {
		OPT_STRING(0, "as", &as, "KEY", "sign as this identity instead of the one in use"),
		OPT_BOOL('q', "quiet", &ctx->quiet, "say nothing on stderr; stdout still gets the id"),
		OPT_END(),
	};
	if (parse_options(argc, argv, opts, &help) != 1)
		return usage_error(&help, opts, "'pg peer announce' needs one URL");
	const char *url = argv[0], *why = url_problem(url);
	char *show = shown(url);
	if (why) {
		error("cannot announce '%s': %s", show, why);
		free(show);
		return EXIT_REFUSED;
	}

	/* announced already?  Checked before a passphrase is asked for. */
	pg_key *k = NULL, *me = NULL;
	struct peers ps = { 0 };
	pg_object *o = NULL;
	char mine[PG_HEX_LEN + 1], hex[PG_HEX_LEN + 1];
	int same = 0, err = pg_key_find(&k, ctx->home, as);
	if (err == 0) {
		pg_hex(mine, k->pk, PG_PK_LEN);
		err = load_peers(ctx, &ps, mine);
	}
	for (size_t i = 0; err == 0 && i < ps.n; i++)
		if (!strcmp(ps.p[i].url, url)) {
			printf("%s%s%s\n", color(ctx, C_ID), ps.p[i].row.id, color(ctx, C_RESET));
			info(ctx, "%s announced %s already (%.12s); nothing published", k->name, show, ps.p[i].row.id);
			goto done;
		}
	if (err < 0)
		goto done;

	if ((err = unlock_identity(ctx, &me, as)) < 0)
		goto done;
	o = pg_object_new(PG_T_PEER, me->pk, pg_now());
	pg_object_add(o, "url", url);
	if ((err = publish_object(ctx, o, me, hex, &same)) < 0)
		goto done;
	/* printed only once the ref has moved */
	printf("%s%s%s\n", color(ctx, C_ID), hex, color(ctx, C_RESET));
	if (same)
		info(ctx, "%s announced %s already (%.12s); nothing published", me->name, show, hex);
	else
		info(ctx, "announced %s as %s; whoever pulls your log sees it in 'pg peer ls'", show, me->name);
done:
	peers_free(&ps);
	pg_key_free(me);
	pg_key_free(k);
	free(show);
	return err < 0 ? report(err) : EXIT_OK;
}

/* --- pg peer adopt ------------------------------------------------------------ */

/* The remote name for a peer: the announcer's identity name when it is a
 * valid remote name that is free, else peer-<first 8 hex of the id>. */
static const char *default_name(struct pg_ctx *ctx, const pg_index_row *row, const pg_remote_info *r, size_t n,
				char fallback[16])
{
	const char *want = row->author_name;
	snprintf(fallback, 16, "peer-%.8s", row->id);
	if (!want)
		return fallback;
	if (!pg_remote_name_valid(want)) {
		info(ctx, "'%s' is not a remote name; naming the remote '%s' (--name chooses)", want, fallback);
		return fallback;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(r[i].name, want)) {
			info(ctx, "remote '%s' exists (%s); naming this one '%s' (--name chooses)", want, r[i].url,
			     fallback);
			return fallback;
		}
	return want;
}

static int peer_adopt(int argc, const char **argv, struct pg_ctx *ctx)
{
	const char *name = NULL;
	const struct option opts[] = {
		OPT_STRING('n', "name", &name, "NAME", "the remote's name (default: the announcer's identity name)"),
		OPT_BOOL('q', "quiet", &ctx->quiet, "say nothing on stderr; stdout still gets the remote's name"),
		OPT_END(),
	};
	if (parse_options(argc, argv, opts, &help) != 1)
		return usage_error(&help, opts, "'pg peer adopt' needs one peer id");
	pg_index_row row;
	pg_object *o = NULL;
	pg_remote_info *r = NULL;
	size_t nr = 0;
	const char *url, *why, *have;
	char *show = NULL, fallback[16];
	int err = find_peer(ctx, &row, argv[0]);
	if (err < 0)
		return report(err);
	if ((err = read_object(ctx, &o, &row)) < 0 || (err = pg_remote_list(&r, &nr, ctx->store)) < 0)
		goto done;

	/* the URL came from someone else: only a plain transport URL reaches git */
	url = pg_object_get(o, "url");
	why = url_problem(url);
	show = shown(url);
	if (why) {
		err = pg_error_set(PG_EINVALID, "peer %.12s (announced by %s) names '%s', which pg does not fetch from: %s",
				   row.id, author_label(&row), show, why);
		goto done;
	}
	have = remote_with(r, nr, url);
	if (have) {
		printf("%s\n", have);
		info(ctx, "remote '%s' fetches from %s already; nothing to do ('pg pull %s' fetches it)", have, show, have);
		goto done;
	}
	if (name && !pg_remote_name_valid(name)) {
		err = pg_error_set(PG_EINVALID, "'%s' is not a remote name: use letters, digits, '.', '_' and '-'", name);
		goto done;
	}
	for (size_t i = 0; name && i < nr; i++)
		if (!strcmp(r[i].name, name)) {
			err = pg_error_set(PG_EEXISTS, "remote '%s' exists (%s): choose another --name, or 'pg remote rm %s' "
						       "first", name, r[i].url, name);
			goto done;
		}
	if (!name)
		name = default_name(ctx, &row, r, nr, fallback);
	if (name == fallback)
		for (size_t i = 0; i < nr; i++)
			if (!strcmp(r[i].name, name)) {
				err = pg_error_set(PG_EEXISTS, "remote '%s' exists (%s): name this one with --name", name,
						   r[i].url);
				goto done;
			}
	if ((err = pg_remote_add(ctx->store, name, url)) < 0)
		goto done;
	printf("%s\n", name);
	info(ctx, "added remote '%s' (%s), announced by %s; 'pg pull %s' fetches and verifies its logs", name, show,
	     author_label(&row), name);
done:
	pg_remote_list_free(r, nr);
	pg_object_free(o);
	pg_index_row_clear(&row);
	free(show);
	return err < 0 ? report(err) : EXIT_OK;
}

int cmd_peer(int argc, const char **argv, struct pg_ctx *ctx)
{
	static const struct subcommand sub[] = { { "ls", peer_ls }, { "list", peer_ls }, { "announce", peer_announce }, { "adopt", peer_adopt }, { NULL, NULL } };
	return run_subcommand(argc, argv, ctx, sub, &help);
}
