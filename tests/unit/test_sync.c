/* test_sync.c - remotes, fetch into quarantine, adoption: ahead, behind, fork, blocked; refusals */
#include "unit.h"
#include "world.h"

#include <fcntl.h>
#include <unistd.h>

#include "store.h"
#include "sync.h"

struct two {
	char *dir_a, *dir_b;
	pg_store *a, *b; /* alice publishes in a; b fetches from a */
	struct who alice;
};

static int setup(void **state)
{
	struct two *w = pg_calloc(1, sizeof(*w));
	w->a = new_store(&w->dir_a);
	w->b = new_store(&w->dir_b);
	make_who(&w->alice, "alice");
	assert_int_equal(pg_remote_add(w->b, "a", w->dir_a), 0);
	*state = w;
	return 0;
}

static int teardown(void **state)
{
	struct two *w = *state;
	pg_store_free(w->a);
	pg_store_free(w->b);
	pg_buf_free(&w->alice.identity);
	unit_rmtree(w->dir_a);
	unit_rmtree(w->dir_b);
	free(w);
	return 0;
}

/* alice appends one entry with one interface to her log in a */
static void publish(struct two *w, const char *name)
{
	pg_txn *t;
	pg_buf tar = PG_BUF_INIT;
	assert_int_equal(pg_txn_begin(&t, w->a, &w->alice.key, &w->alice.identity), 0);
	pg_object *o = interface(&w->alice, name, &tar, name);
	assert_int_equal(pg_txn_add(t, o, tar.ptr, tar.len), 0);
	assert_int_equal(pg_txn_commit(t), 0);
	pg_txn_free(t);
	pg_buf_free(&tar);
}

static void fetch(pg_sync_report *r, struct two *w, const pg_sync_opts *o)
{
	assert_int_equal(pg_fetch(r, w->b, "a", o), 0);
}

static void assert_same_tip(struct two *w)
{
	git_oid ta, tb;
	assert_int_equal(pg_store_tip(&ta, w->a, w->alice.pk), 0);
	assert_int_equal(pg_store_tip(&tb, w->b, w->alice.pk), 0);
	assert_true(git_oid_equal(&ta, &tb));
}

static void test_names_and_urls(void **state)
{
	(void)state;
	assert_true(pg_remote_name_valid("hub"));
	assert_true(pg_remote_name_valid("bob.laptop_2-x"));
	assert_false(pg_remote_name_valid(""));
	assert_false(pg_remote_name_valid("-x"));
	assert_false(pg_remote_name_valid(".x"));
	assert_false(pg_remote_name_valid("a..b"));
	assert_false(pg_remote_name_valid("a/b"));
	assert_false(pg_remote_name_valid("a b"));
	assert_false(pg_remote_name_valid("x.lock"));
	assert_false(pg_remote_name_valid("x."));
	assert_true(pg_remote_url_valid("git://127.0.0.1:9418/store"));
	assert_true(pg_remote_url_valid("ssh://git@host/x"));
	assert_true(pg_remote_url_valid("https://host/x.git"));
	assert_true(pg_remote_url_valid("/tmp/store"));
	assert_true(pg_remote_url_valid("git@host:x"));
	assert_false(pg_remote_url_valid("ext::sh -c evil"));
	assert_false(pg_remote_url_valid("fd::3"));
	assert_false(pg_remote_url_valid("-oProxyCommand=evil"));
	assert_false(pg_remote_url_valid("ssh://-oProxyCommand=evil/x"));
	assert_false(pg_remote_url_valid("gopher://x/y"));
	assert_false(pg_remote_url_valid("git://x/y\nz"));
	assert_false(pg_remote_url_valid(""));
}

static void test_remote_add_list_rm(void **state)
{
	struct two *w = *state;
	pg_remote_info *r;
	size_t n;
	assert_error(pg_remote_add(w->b, "a", "/elsewhere"), PG_EEXISTS, "exists");
	assert_error(pg_remote_add(w->b, "b c", "/x"), PG_EINVALID, "not a remote name");
	assert_error(pg_remote_add(w->b, "c", "ext::x"), PG_EINVALID, "not a URL");
	assert_int_equal(pg_remote_list(&r, &n, w->b), 0);
	assert_int_equal(n, 1);
	assert_string_equal(r[0].name, "a");
	/* a store's directory stands for its .pg, made absolute */
	char *want = pg_path_join(w->dir_a, ".pg");
	assert_string_equal(r[0].url, want);
	free(want);
	assert_int_equal(r[0].fetched, 0);
	pg_remote_list_free(r, n);
	assert_int_equal(pg_remote_rm(w->b, "a"), 0);
	assert_error(pg_remote_rm(w->b, "a"), PG_ENOTFOUND, "no remote");
	assert_int_equal(pg_remote_list(&r, &n, w->b), 0);
	assert_int_equal(n, 0);
	pg_remote_list_free(r, n);
}

static void test_fetch_adopts_new_then_only_what_is_new(void **state)
{
	struct two *w = *state;
	pg_sync_report r;
	publish(w, "geometry::circle");
	fetch(&r, w, NULL);
	assert_int_equal(r.adopted, 1);
	assert_int_equal(r.refused, 0);
	assert_int_equal(r.nlogs, 1);
	assert_int_equal(r.logs[0].outcome, PG_SYNC_ADOPTED);
	assert_int_equal(r.logs[0].from_seq, 0);
	assert_int_equal(r.logs[0].to_seq, 1);
	assert_int_equal(r.objects, 2); /* identity and interface */
	assert_int_equal(r.logs[0].objs[0].type, PG_T_IDENTITY);
	assert_string_equal(r.logs[0].objs[1].name, "geometry::circle");
	pg_sync_report_clear(&r);
	assert_same_tip(w);

	publish(w, "geometry::square");
	fetch(&r, w, NULL);
	assert_int_equal(r.adopted, 1);
	assert_int_equal(r.logs[0].from_seq, 1);
	assert_int_equal(r.logs[0].to_seq, 2);
	assert_int_equal(r.objects, 1);
	assert_string_equal(r.logs[0].objs[0].name, "geometry::square");
	pg_sync_report_clear(&r);
	assert_same_tip(w);

	/* nothing new: nothing to report */
	fetch(&r, w, NULL);
	assert_int_equal(r.nlogs, 0);
	assert_int_equal(r.adopted + r.refused, 0);
	pg_sync_report_clear(&r);

	pg_remote_info *ri;
	size_t n;
	assert_int_equal(pg_remote_list(&ri, &n, w->b), 0);
	assert_true(ri[0].fetched > 0);
	pg_remote_list_free(ri, n);
}

static void test_a_source_behind_us_changes_nothing(void **state)
{
	struct two *w = *state;
	pg_sync_report r;
	git_oid old;
	publish(w, "geometry::circle");
	fetch(&r, w, NULL);
	pg_sync_report_clear(&r);
	assert_int_equal(pg_store_tip(&old, w->a, w->alice.pk), 0);
	publish(w, "geometry::square");
	fetch(&r, w, NULL);
	pg_sync_report_clear(&r);
	/* a goes back to seq 1 (as a stale mirror would be) */
	git_reference *ref;
	char name[128];
	char hex[65];
	pg_hex(hex, w->alice.pk, 32);
	snprintf(name, sizeof(name), PG_REF_PREFIX "%s", hex);
	assert_int_equal(git_reference_create(&ref, pg_store_repo(w->a), name, &old, 1, "test"), 0);
	git_reference_free(ref);
	fetch(&r, w, NULL);
	assert_int_equal(r.nlogs, 0);
	pg_sync_report_clear(&r);
	git_oid tb;
	assert_int_equal(pg_store_tip(&tb, w->b, w->alice.pk), 0);
	assert_false(git_oid_equal(&tb, &old)); /* b kept seq 2 */
}

static size_t count_refusals(struct two *w)
{
	pg_refusal *rf;
	size_t n;
	assert_int_equal(pg_refusals(&rf, &n, w->b), 0);
	pg_refusals_free(rf, n);
	return n;
}

static void test_a_fork_is_refused_and_recorded_once(void **state)
{
	struct two *w = *state;
	pg_sync_report r;
	git_oid seq1, mine;
	publish(w, "geometry::circle");
	assert_int_equal(pg_store_tip(&seq1, w->a, w->alice.pk), 0);
	publish(w, "geometry::square");
	fetch(&r, w, NULL);
	pg_sync_report_clear(&r);
	assert_int_equal(pg_store_tip(&mine, w->b, w->alice.pk), 0);

	/* alice signs another seq 2 on top of seq 1 */
	git_reference *ref;
	char name[128], hex[65];
	pg_hex(hex, w->alice.pk, 32);
	snprintf(name, sizeof(name), PG_REF_PREFIX "%s", hex);
	assert_int_equal(git_reference_create(&ref, pg_store_repo(w->a), name, &seq1, 1, "test"), 0);
	git_reference_free(ref);
	publish(w, "geometry::triangle");

	fetch(&r, w, NULL);
	assert_int_equal(r.refused, 1);
	assert_int_equal(r.adopted, 0);
	assert_int_equal(r.logs[0].outcome, PG_SYNC_REFUSED);
	assert_string_equal(r.logs[0].kind, "fork");
	assert_non_null(strstr(r.logs[0].reason, "forks at seq 2"));
	assert_int_equal(r.logs[0].nobjs, 0); /* nothing of it is adopted */
	pg_sync_report_clear(&r);
	git_oid now;
	assert_int_equal(pg_store_tip(&now, w->b, w->alice.pk), 0);
	assert_true(git_oid_equal(&now, &mine));

	pg_refusal *rf;
	size_t n;
	assert_int_equal(pg_refusals(&rf, &n, w->b), 0);
	assert_int_equal(n, 1);
	assert_string_equal(rf[0].source, "a");
	assert_string_equal(rf[0].kind, "fork");
	assert_memory_equal(rf[0].publisher, w->alice.pk, 32);
	pg_refusals_free(rf, n);

	/* fetched again: refused again, recorded once */
	fetch(&r, w, NULL);
	assert_int_equal(r.refused, 1);
	pg_sync_report_clear(&r);
	assert_int_equal(count_refusals(w), 1);
}

static void test_a_blocked_publisher_is_refused(void **state)
{
	struct two *w = *state;
	pg_sync_report r;
	const uint8_t(*blocked)[PG_PK_LEN] = (const uint8_t(*)[PG_PK_LEN])w->alice.pk;
	pg_sync_opts o = { .blocked = blocked, .nblocked = 1 };
	publish(w, "geometry::circle");
	fetch(&r, w, &o);
	assert_int_equal(r.refused, 1);
	assert_string_equal(r.logs[0].kind, "blocked");
	pg_sync_report_clear(&r);
	git_oid tip;
	assert_int_equal(pg_store_tip(&tip, w->b, w->alice.pk), PG_ENOTFOUND);
	/* without the block it comes in */
	fetch(&r, w, NULL);
	assert_int_equal(r.adopted, 1);
	pg_sync_report_clear(&r);
}

static void test_a_tampered_object_is_refused(void **state)
{
	struct two *w = *state;
	pg_sync_report r;
	publish(w, "geometry::circle");
	/* rewrite a's tip: same manifest and parent, one object's bytes
	 * changed (through a plain repository: the store's writes go to its
	 * in-memory backend until a transaction packs them) */
	git_repository *repo;
	assert_int_equal(git_repository_open_bare(&repo, pg_store_path(w->a)), 0);
	git_oid tip, blob, tree_oid, commit_oid;
	git_commit *c;
	git_tree *tree;
	assert_int_equal(pg_store_tip(&tip, w->a, w->alice.pk), 0);
	assert_int_equal(git_commit_lookup(&c, repo, &tip), 0);
	assert_int_equal(git_commit_tree(&tree, c), 0);
	git_tree_entry *o_dir;
	assert_int_equal(git_tree_entry_bypath(&o_dir, tree, "o"), 0);
	git_tree *o_tree, *sub;
	assert_int_equal(git_tree_lookup(&o_tree, repo, git_tree_entry_id(o_dir)), 0);
	const git_tree_entry *first = git_tree_entry_byindex(o_tree, 0);
	assert_int_equal(git_tree_lookup(&sub, repo, git_tree_entry_id(first)), 0);
	const git_tree_entry *obj = git_tree_entry_byindex(sub, 0);
	char *path = pg_asprintf("o/%s/%s", git_tree_entry_name(first), git_tree_entry_name(obj));
	git_blob *b;
	assert_int_equal(git_blob_lookup(&b, repo, git_tree_entry_id(obj)), 0);
	pg_buf bad = PG_BUF_INIT;
	pg_buf_put(&bad, git_blob_rawcontent(b), (size_t)git_blob_rawsize(b));
	bad.ptr[bad.len - 2] ^= 1;
	git_blob_free(b);
	assert_int_equal(git_blob_create_from_buffer(&blob, repo, bad.ptr, bad.len), 0);
	pg_buf_free(&bad);
	git_tree_update up = { GIT_TREE_UPDATE_UPSERT, blob, GIT_FILEMODE_BLOB, path };
	assert_int_equal(git_tree_create_updated(&tree_oid, repo, tree, 1, &up), 0);
	git_tree *newtree;
	assert_int_equal(git_tree_lookup(&newtree, repo, &tree_oid), 0);
	assert_int_equal(git_commit_create(&commit_oid, repo, NULL, git_commit_author(c), git_commit_committer(c), NULL,
					   git_commit_message_raw(c), newtree, 0, NULL),
			 0);
	char name[128], hex[65];
	pg_hex(hex, w->alice.pk, 32);
	snprintf(name, sizeof(name), PG_REF_PREFIX "%s", hex);
	git_reference *ref;
	assert_int_equal(git_reference_create(&ref, repo, name, &commit_oid, 1, "tamper"), 0);
	git_reference_free(ref);
	git_tree_free(newtree);
	git_tree_free(sub);
	git_tree_free(o_tree);
	git_tree_entry_free(o_dir);
	git_tree_free(tree);
	git_commit_free(c);
	git_repository_free(repo);
	free(path);

	fetch(&r, w, NULL);
	if (r.refused != 1)
		fail_msg("adopted %zu refused %zu logs %zu", r.adopted, r.refused, r.nlogs);
	assert_string_equal(r.logs[0].kind, "integrity");
	assert_non_null(strstr(r.logs[0].reason, "does not match its id"));
	pg_sync_report_clear(&r);
	git_oid none;
	assert_int_equal(pg_store_tip(&none, w->b, w->alice.pk), PG_ENOTFOUND);
	assert_int_equal(count_refusals(w), 1);
}

static void test_a_cut_refusals_line_is_skipped(void **state)
{
	struct two *w = *state;
	pg_refusal rf = { 1234, "hub", "git://x/y", { 0 }, "0123456789012345678901234567890123456789", "integrity",
			  "bad" };
	memcpy(rf.publisher, w->alice.pk, 32);
	assert_int_equal(pg_refusal_record(w->b, &rf), 0);
	assert_int_equal(pg_refusal_record(w->b, &rf), 0); /* the same: once */
	char *path = pg_path_join(pg_store_path(w->b), "refusals");
	int fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "{\"date\":1,\"sou", 14), 14); /* a crash mid-line */
	close(fd);
	free(path);
	pg_refusal *all;
	size_t n;
	assert_int_equal(pg_refusals(&all, &n, w->b), 0);
	assert_int_equal(n, 1);
	assert_int_equal(all[0].date, 1234);
	assert_string_equal(all[0].url, "git://x/y");
	assert_string_equal(all[0].reason, "bad");
	pg_refusals_free(all, n);
}

static void test_fetch_from_nowhere_fails_and_adopts_nothing(void **state)
{
	struct two *w = *state;
	pg_sync_report r;
	assert_int_equal(pg_remote_add(w->b, "gone", "/nonexistent/store"), 0);
	int err = pg_fetch(&r, w->b, "gone", NULL);
	assert_true(err < 0);
	assert_non_null(strstr(pg_error_last(), "gone"));
	pg_sync_report_clear(&r);
	assert_error(pg_fetch(&r, w->b, "nosuch", NULL), PG_ENOTFOUND, "no remote 'nosuch'");
	pg_sync_report_clear(&r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names_and_urls),
		cmocka_unit_test_setup_teardown(test_remote_add_list_rm, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_adopts_new_then_only_what_is_new, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_source_behind_us_changes_nothing, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_fork_is_refused_and_recorded_once, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_blocked_publisher_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_tampered_object_is_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_a_cut_refusals_line_is_skipped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_fetch_from_nowhere_fails_and_adopts_nothing, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
